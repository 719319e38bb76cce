import { createBus, memory, memoryBroker } from '@remit/core';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventStream, health, toBrowserJson } from '../src/index.js';
import { readStream, serve } from './http.js';

type Events = { 'user.created': { id: string }; 'note.added': string };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<Parameters<typeof eventStream<Events>>[1]> = {}) {
  const broker = memoryBroker();
  const bus = createBus<Events>({ service: 'web', transport: memory(broker) });
  const other = createBus<Events>({ service: 'api', transport: memory(broker) });
  const stream = eventStream(bus, { events: ['user.created', 'note.added'], ...options });
  const app = express();
  app.get('/events', stream);
  await Promise.all([bus.start(), other.start()]);
  const server = await serve(app);
  cleanups.push(() => other.close(), () => bus.close(), server.close);
  return { bus, other, stream, url: `${server.url}/events` };
}

describe('eventStream() on the memory transport', () => {
  it('sends the retry hint, then each event as event/id/data lines', async () => {
    const { other, url } = await setup({ retryMs: 1500 });
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const ids: string[] = [];
    other.on('user.created', (_payload, meta) => void ids.push(meta.id));
    const text = readStream(response, (so) => so.includes('data: {"id":"1"}'));
    await other.publish('user.created', { id: '1' });

    expect(await text).toBe(`retry: 1500\n\nevent: user.created\nid: ${ids[0]}\ndata: {"id":"1"}\n\n`);
  });

  it('splits a multi-line data text into one data line per line', async () => {
    const { other, url } = await setup({ serialize: (payload) => String(payload) });
    const response = await fetch(url);
    const text = readStream(response, (so) => so.endsWith('data: three\n\n'));
    await other.publish('note.added', 'one\ntwo\r\nthree');

    expect(await text).toContain('data: one\ndata: two\ndata: three\n\n');
  });

  it('applies the filter to replayed events too', async () => {
    const { bus, other, url } = await setup({
      filter: (_name, payload, _meta, req) => typeof payload === 'object' && payload.id.startsWith(String(req.query.prefix)),
    });
    const ids: string[] = [];
    bus.on('user.created', (_payload, meta) => void ids.push(meta.id));
    for (const id of ['a1', 'b1', 'a2']) await other.publish('user.created', { id });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ids).toHaveLength(3);

    const response = await fetch(`${url}?prefix=a&lastEventId=${ids[0] ?? ''}`);
    const text = await readStream(response, (so) => so.includes('"a2"'));

    expect(text).not.toContain('"b1"');
    expect(text).not.toContain('"a1"');
    expect(text).toContain(`id: ${ids[2]}\ndata: {"id":"a2"}`);
  });

  it('ends open streams when the bus closes, and answers 503 afterwards', async () => {
    const { bus, stream, url } = await setup();
    const response = await fetch(url);
    const reader = response.body?.getReader();
    await reader?.read();
    expect(stream.connections).toBe(1);

    await bus.close();

    let done = false;
    while (!done) done = (await reader?.read())?.done ?? true;
    expect(stream.connections).toBe(0);
    expect((await fetch(url)).status).toBe(503);
  });

  it('leaves out events whose serializer throws, warns, and keeps streaming', async () => {
    // The warning is expected: checked here, kept off the test output.
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    cleanups.push(async () => void warn.mockRestore());
    const { other, url } = await setup({
      serialize: (payload) => {
        if (payload === 'bad') throw new Error('no');
        return JSON.stringify(payload);
      },
    });
    const response = await fetch(url);
    const text = readStream(response, (so) => so.includes('"good"'));
    await other.publish('note.added', 'bad');
    await other.publish('note.added', 'good');

    const body = await text;
    expect(body).not.toContain('bad');
    expect(body).toContain('data: "good"');
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual(['remit: could not serialize "note.added" for the event stream (no); it was not sent.']);
  });

  it('rejects invalid options with a ConfigError naming the field', () => {
    const bus = createBus<Events>({ service: 'web', transport: memory() });
    const field = (options: unknown) => {
      try {
        eventStream(bus, options as never);
      } catch (error) {
        return (error as { field?: string }).field;
      }
      return undefined;
    };
    expect(field({})).toBe('events');
    expect(field({ events: ['a\nb'] })).toBe('events[0]');
    expect(field({ events: ['note.added'], heartbeatMs: -1 })).toBe('heartbeatMs');
    expect(field({ events: ['note.added'], bufferSize: 1.5 })).toBe('bufferSize');
    expect(field({ events: ['note.added'], retryMs: '1' })).toBe('retryMs');
    expect(field({ events: ['note.added'], filter: true })).toBe('filter');
    expect(field({ events: ['note.added'], serialize: 1 })).toBe('serialize');
    expect(field({ events: ['note.added'], buffer: 1 })).toBe('buffer');
  });
});

describe('toBrowserJson()', () => {
  it('renders rich payloads as plain JSON a browser can use', () => {
    const payload = {
      at: new Date(0),
      lines: new Map([['a', 1]]),
      tags: new Set(['x']),
      total: 12345678901234567890n,
      pattern: /a.b/g,
      missing: undefined,
    };
    expect(JSON.parse(toBrowserJson(payload))).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      lines: [['a', 1]],
      tags: ['x'],
      total: '12345678901234567890',
      pattern: '/a.b/g',
    });
    expect(toBrowserJson(undefined)).toBe('null');
  });
});

describe('health()', () => {
  it('answers 503 before start and 200 once connected, with the health fields', async () => {
    const bus = createBus<Events>({ service: 'web', transport: memory() });
    const app = express();
    app.get('/health', health(bus));
    const server = await serve(app);
    cleanups.push(() => bus.close(), server.close);

    const before = await fetch(`${server.url}/health`);
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ status: 'idle', connectedSince: null, outbox: 0, lastError: null });

    await bus.start();
    const after = await fetch(`${server.url}/health`);
    expect(after.status).toBe(200);
    expect(after.headers.get('cache-control')).toBe('no-store');
    const body = (await after.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'connected', outbox: 0, lastError: null, service: 'web', instance: bus.instanceId });
    expect(new Date(String(body.connectedSince)).getTime()).not.toBeNaN();
  });
});
