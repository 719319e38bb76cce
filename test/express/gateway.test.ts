import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { amqp, type Bus, ConfigError, createBus, type EventMap, ValidationError } from '@remit/core';
import { gateway } from '@remit/express';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AMQP_URL, deleteTopology, unique } from '../helpers/broker.js';

type Requests = {
  'price.quote': { request: { sku: string; qty?: number }; response: { sku: string; cents: bigint; at: Date } };
  'price.slow': { request: { ms: number }; response: { waited: number } };
  'price.fail': { request: { why: string }; response: never };
  'price.strict': { request: unknown; response: { ok: true } };
};

const open: { buses: Bus<EventMap, Requests>[]; servers: Server[]; queues: string[]; exchanges: string[] } = { buses: [], servers: [], queues: [], exchanges: [] };
afterEach(async () => {
  await Promise.all(open.servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(open.buses.splice(0).map((bus) => bus.close()));
  await deleteTopology({ queues: open.queues.splice(0), exchanges: open.exchanges.splice(0) });
});

/** A pricing service and an HTTP app whose routes go through the gateway, on a private request exchange. */
async function setUp(clientOptions: { requestTimeoutMs?: number } = {}) {
  const requestExchange = unique('test.requests');
  const service = unique('pricing');
  open.exchanges.push(requestExchange);
  open.queues.push(`remit.requests.${service}`);
  const transport = () => amqp({ url: AMQP_URL, requestExchange, exchange: unique('test.events') });
  const pricing = createBus<EventMap, Requests>({ service, transport: transport(), onError: () => {} });
  const client = createBus<EventMap, Requests>({ service: 'web', transport: transport(), onError: () => {}, ...clientOptions });
  open.buses.push(pricing, client);
  const served: unknown[] = [];
  pricing.handle('price.quote', ({ sku, qty }, meta) => {
    served.push({ sku, qty, headers: meta.headers });
    return { sku, cents: 1250n * BigInt(qty ?? 1), at: new Date('2026-01-02T03:04:05Z') };
  });
  pricing.handle('price.slow', async ({ ms }) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { waited: ms };
  });
  pricing.handle('price.fail', ({ why }) => {
    throw new Error(why);
  });
  pricing.handle('price.strict', (body) => {
    const result = z.object({ sku: z.string() }).safeParse(body);
    if (!result.success) throw new ValidationError('price.strict', result.error.issues);
    return { ok: true as const };
  });
  await Promise.all([pricing.start(), client.start()]);

  const app = express();
  // Parsed by express.json() on /json/*, by the gateway itself elsewhere.
  app.post('/json/quote', express.json(), gateway(client, 'price.quote'));
  app.post('/quote', gateway(client, 'price.quote'));
  app.post('/checked', gateway(client, 'price.quote', { schema: z.object({ sku: z.string().min(1), qty: z.number().int().positive().optional() }) }));
  app.post('/slow', gateway(client, 'price.slow', { timeoutMs: 200 }));
  app.post('/slow-default', gateway(client, 'price.slow'));
  app.post('/fail', gateway(client, 'price.fail'));
  app.post('/strict', gateway(client, 'price.strict'));
  app.post('/nobody', gateway(client, 'price.nobody' as 'price.quote'));
  app.post('/small', gateway(client, 'price.quote', { limitBytes: 64 }));
  const server = app.listen(0, '127.0.0.1');
  open.servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = async (path: string, body: string) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };
  return { post, served, service };
}

describe('gateway(): HTTP in front of a request handler, over real HTTP and RabbitMQ', () => {
  it('answers 200 with the reply as JSON, whether express.json() parsed the body or the gateway did, and leaks no reply meta', async () => {
    const { post, served } = await setUp();
    for (const path of ['/json/quote', '/quote']) {
      const answer = await post(path, JSON.stringify({ sku: 'A-1', qty: 2 }));
      expect(answer.status).toBe(200);
      // BigInt as a decimal string and a Date as its ISO string: what a browser can read.
      expect(answer.body).toEqual({ sku: 'A-1', cents: '2500', at: '2026-01-02T03:04:05.000Z' });
      expect([...answer.headers.keys()].filter((name) => name.startsWith('remit'))).toEqual([]);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expect(served).toEqual([
      { sku: 'A-1', qty: 2, headers: {} },
      { sku: 'A-1', qty: 2, headers: {} },
    ]);
  });

  it('answers 400 for a body that is not JSON or fails the schema, without sending the request', async () => {
    const { post, served } = await setUp();
    const broken = await post('/quote', '{"sku": ');
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ error: { name: 'SyntaxError', message: expect.stringMatching(/^The request body is not valid JSON/) } });

    const invalid = await post('/checked', JSON.stringify({ sku: '', qty: 1.5 }));
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      error: {
        name: 'ValidationError',
        message: expect.stringMatching(/^The body of "price\.quote" failed its schema: sku: .+; qty: .+\.$/),
        issues: [{ path: 'sku' }, { path: 'qty' }],
      },
    });
    expect(served).toEqual([]);
    expect((await post('/checked', JSON.stringify({ sku: 'B-2' }))).status).toBe(200);
  });

  it('answers 400 when the responder rejects its input with a ValidationError, 502 with the remote message when it throws', async () => {
    const { post, service } = await setUp();
    const rejected = await post('/strict', JSON.stringify({ nosku: true }));
    expect(rejected.status).toBe(400);
    expect(rejected.body).toEqual({ error: { name: 'ValidationError', message: expect.stringContaining('sku') } });

    const failed = await post('/fail', JSON.stringify({ why: 'card declined' }));
    expect(failed.status).toBe(502);
    expect(failed.body).toEqual({ error: { name: 'RemoteError', message: 'card declined' } });
    // Where it failed stays inside.
    expect(JSON.stringify(failed.body)).not.toContain(service);
  });

  it('answers 503 when nobody serves the name, 504 on timeout (the option, or the bus default), 413 for a body over the limit', async () => {
    const { post } = await setUp({ requestTimeoutMs: 300 });
    const nobody = await post('/nobody', '{}');
    expect(nobody.status).toBe(503);
    expect(nobody.body).toEqual({ error: { name: 'NoResponderError', message: expect.stringContaining('price.nobody') } });

    const slow = await post('/slow', JSON.stringify({ ms: 800 }));
    expect(slow.status).toBe(504);
    expect(slow.body).toEqual({ error: { name: 'RequestTimeoutError', message: expect.stringContaining('within 200 ms') } });
    const slowDefault = await post('/slow-default', JSON.stringify({ ms: 800 }));
    expect(slowDefault.status).toBe(504);
    expect(slowDefault.body).toEqual({ error: { name: 'RequestTimeoutError', message: expect.stringContaining('within 300 ms') } });
    expect((await post('/slow', JSON.stringify({ ms: 1 }))).body).toEqual({ waited: 1 });

    const large = await post('/small', JSON.stringify({ sku: 'x'.repeat(100) }));
    expect(large.status).toBe(413);
    expect(large.body).toEqual({ error: { name: 'PayloadTooLargeError', message: expect.stringContaining('64 bytes') } });
  });

  it('checks its options, naming the field', () => {
    const bus = createBus<EventMap, Requests>({ service: 'web', transport: amqp({ url: AMQP_URL }) });
    expect(() => gateway(bus, 'price.quote', { timeoutMs: 0 })).toThrow(ConfigError);
    expect(() => gateway(bus, 'price.quote', { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => gateway(bus, 'price.quote', { schema: {} as never })).toThrow(/"schema"/);
    expect(() => gateway(bus, 'price.quote', { limitBytes: -1 })).toThrow(/limitBytes/);
    expect(() => gateway(bus, 'price.quote', { timeout: 5 } as never)).toThrow(/"timeout"/);
    expect(() => gateway(bus, '' as 'price.quote')).toThrow(/"name"/);
  });
});
