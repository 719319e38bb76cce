import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Bus } from '@remit/core';
import { metrics, type MetricsOptions } from '@remit/express';
import express from 'express';
import { Counter, register, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { unique, waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

type Events = { 'order.placed': { id: number }; 'invoice.sent': { id: number } };

let topology: TestTopology;
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await topology.cleanup();
});

/**
 * An Express app whose bus handles `order.placed` and always fails `invoice.sent`, and a second
 * bus that publishes 3 and 2 of them; resolves once the app's bus has handled or dead-lettered all.
 */
async function appWithCountedEvents(routes: (app: express.Express, bus: Bus<Events>) => void) {
  topology = new TestTopology();
  const service = unique('metrics-app');
  const bus = topology.bus<Events>({ service, retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 10 } });
  bus.on('order.placed', () => {});
  bus.on('invoice.sent', () => {
    throw new Error('mail server down');
  });
  const app = express();
  routes(app, bus);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const publisher = topology.bus<Events>({ service: unique('metrics-publisher') });
  await bus.start();
  await publisher.start();
  for (let id = 0; id < 3; id++) await publisher.publish('order.placed', { id });
  for (let id = 0; id < 2; id++) await publisher.publish('invoice.sent', { id });
  await waitFor('the app to handle and dead-letter every event', () => bus.stats().handled === 3 && bus.stats().deadLettered === 2);
  return { url, service };
}

async function scrape(url: string) {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { contentType: response.headers.get('content-type'), text, parsed: parsePrometheusText(text) };
}

function expectCountedEvents(parsed: ReturnType<typeof parsePrometheusText>, service: string): void {
  const of = (event: keyof Events) => ({ service, event });
  expect(sampleValue(parsed, 'remit_events_received_total', of('order.placed'))).toBe(3);
  expect(sampleValue(parsed, 'remit_events_handled_total', of('order.placed'))).toBe(3);
  expect(sampleValue(parsed, 'remit_events_received_total', of('invoice.sent'))).toBe(2);
  expect(sampleValue(parsed, 'remit_events_handled_total', of('invoice.sent'))).toBe(0);
  expect(sampleValue(parsed, 'remit_events_failed_total', of('invoice.sent'))).toBe(2);
  expect(sampleValue(parsed, 'remit_events_retried_total', of('invoice.sent'))).toBe(2);
  expect(sampleValue(parsed, 'remit_events_dead_lettered_total', of('invoice.sent'))).toBe(2);
  expect(sampleValue(parsed, 'remit_handler_duration_seconds_count', of('order.placed'))).toBe(3);
  // Two failing events, each tried twice.
  expect(sampleValue(parsed, 'remit_handler_duration_seconds_bucket', { ...of('invoice.sent'), le: '+Inf' })).toBe(4);
  expect(sampleValue(parsed, 'remit_connected', { service })).toBe(1);
  expect(sampleValue(parsed, 'remit_outbox_events', { service })).toBe(0);
}

/** How many times a metric's TYPE line appears: once per metric in a valid exposition. */
const typeLines = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(`# TYPE ${name} `)).length;

describe('metrics() in a real Express server', () => {
  it('serves remit’s own Prometheus text with the counted events when prom-client is not used', async () => {
    const { url, service } = await appWithCountedEvents((app, bus) => app.get('/metrics', metrics(bus, { promClient: false })));
    const { contentType, parsed } = await scrape(url);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expectCountedEvents(parsed, service);
  });

  it('serves the app’s prom-client registry with remit’s metrics in it, each once', async () => {
    const registry = new Registry();
    const requests = new Counter({ name: 'app_requests_total', help: 'Requests served.', registers: [registry] });
    requests.inc(7);
    const options: MetricsOptions = { registry };
    const { url, service } = await appWithCountedEvents((app, bus) => {
      app.get('/metrics', metrics(bus, options));
      // A second route over the same registry does not register remit's metrics twice.
      app.get('/other-metrics', metrics(bus, options));
    });
    const { contentType, text, parsed } = await scrape(url);
    expect(contentType).toBe(registry.contentType);
    expect(sampleValue(parsed, 'app_requests_total')).toBe(7);
    expectCountedEvents(parsed, service);
    expect(typeLines(text, 'remit_events_handled_total')).toBe(1);
    expect(typeLines(text, 'remit_handler_duration_seconds')).toBe(1);
    expect(parsed.types.get('remit_handler_duration_seconds')).toBe('histogram');
  });

  it('joins prom-client’s default registry when the app uses prom-client', async () => {
    const name = `app_jobs_${unique('x').replace(/\W/g, '_')}_total`;
    const jobs = new Counter({ name, help: 'Jobs done.' });
    jobs.inc(2);
    try {
      const { url, service } = await appWithCountedEvents((app, bus) => app.get('/metrics', metrics(bus)));
      const { text, parsed } = await scrape(url);
      expect(sampleValue(parsed, name)).toBe(2);
      expectCountedEvents(parsed, service);
      expect(typeLines(text, 'remit_events_received_total')).toBe(1);
      expect(await register.metrics()).toContain(`remit_events_handled_total{service="${service}",event="order.placed"} 3`);
    } finally {
      register.removeSingleMetric(name);
    }
  });
});
