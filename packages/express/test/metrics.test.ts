import { ConfigError, createBus, memory, memoryBroker } from '@remit/core';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { metrics } from '../src/index.js';
import { serve } from './http.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('metrics()', () => {
  it('rejects a missing bus and unknown options with ConfigError naming the field', () => {
    const bus = createBus({ service: 'api', transport: memory(memoryBroker()) });
    expect(() => metrics(null as never)).toThrow(/bus/);
    expect(() => metrics(bus, { promclient: false } as never)).toThrow(ConfigError);
    expect(() => metrics(bus, { promclient: false } as never)).toThrow(/promclient/);
  });

  it('passes a failed scrape to Express as an error (500)', async () => {
    const bus = createBus({ service: 'api', transport: memory(memoryBroker()) });
    const broken = {
      registerMetric() {},
      getSingleMetric: () => undefined,
      removeSingleMetric() {},
      contentType: 'text/plain',
      metrics: () => Promise.reject(new Error('registry broke')),
    };
    const app = express();
    app.get('/metrics', metrics(bus, { registry: broken }));
    const server = await serve(app);
    closers.push(server.close, () => bus.close());
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(500);
  });
});
