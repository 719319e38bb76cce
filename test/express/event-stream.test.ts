import type { AddressInfo } from 'node:net';
import type { EventMeta } from '@remit/core';
import { type EventStreamOptions, eventStream, remit } from '@remit/express';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { SseReader } from './sse-reader.js';

type Events = {
  'user.created': { user: string; n: number; at?: Date; roles?: Map<string, number>; credit?: bigint };
  'order.placed': { user: string; n: number };
};

let topology: TestTopology;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await topology.cleanup();
});

/**
 * An Express server in this process with an event stream on a real bus, and a second bus (another
 * instance, as if in another process) that publishes. `ids` maps each published n to its event id.
 */
async function setup(options: Partial<EventStreamOptions<Events>> = {}) {
  topology = new TestTopology();
  const web = topology.bus<Events>({ service: 'web' });
  const api = topology.bus<Events>({ service: 'api' });
  const stream = eventStream(web, { events: ['user.created', 'order.placed'], ...options });
  const received: EventMeta[] = [];
  web.on('user.created', (_payload, meta) => void received.push(meta));
  const ids = new Map<number, string>();
  api.on('user.created', (payload, meta) => void ids.set(payload.n, meta.id));
  const app = express();
  app.use(remit(web, { events: ['order.placed'] }));
  app.get('/events', stream);
  await Promise.all([web.start(), api.start()]);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  const open = async (query = '', headers: Record<string, string> = {}) => {
    const reader = await SseReader.open(url + query, headers);
    cleanups.push(() => reader.close());
    return reader;
  };
  const publish = (n: number, user = 'u1') => api.publish('user.created', { user, n });
  return { app, web, api, stream, received, ids, open, publish };
}

const numbers = (reader: SseReader): number[] =>
  reader.events.map((frame) => (JSON.parse(frame.data ?? 'null') as { n: number }).n);

describe('eventStream() over real HTTP, on the real broker', () => {
  it('streams remote events as event/id/data lines, rich payloads as plain JSON', async () => {
    const { api, ids, open } = await setup({ retryMs: 1234 });
    const reader = await open();
    expect(reader.status).toBe(200);
    expect(reader.contentType).toBe('text/event-stream; charset=utf-8');

    await api.publish('user.created', {
      user: 'u1',
      n: 1,
      at: new Date('2025-01-02T03:04:05.000Z'),
      roles: new Map([['admin', 2]]),
      credit: 9007199254740993n,
    });
    await reader.until('the event', (r) => r.events.length === 1);

    expect(reader.frames[0]).toEqual({ retry: '1234' });
    expect(reader.events).toEqual([
      {
        event: 'user.created',
        id: ids.get(1),
        data: '{"user":"u1","n":1,"at":"2025-01-02T03:04:05.000Z","roles":[["admin",2]],"credit":"9007199254740993"}',
      },
    ]);
  });

  it('also streams what this instance emits on its app or publishes', async () => {
    const { app, web, open } = await setup();
    const reader = await open();

    app.emit('order.placed', { user: 'u1', n: 1 });
    await web.publish('order.placed', { user: 'u1', n: 2 });
    await reader.until('both events', (r) => r.events.length === 2);

    expect(reader.events.map((frame) => frame.event)).toEqual(['order.placed', 'order.placed']);
    expect(numbers(reader)).toEqual([1, 2]);
  });

  it('sends heartbeat comments while idle', async () => {
    const { open } = await setup({ heartbeatMs: 50 });
    const reader = await open();

    await reader.until('two heartbeats', (r) => r.frames.filter((frame) => frame.comment === 'ping').length >= 2);

    expect(reader.events).toEqual([]);
  });

  it('filter restricts each client to the events meant for it', async () => {
    const { open, publish } = await setup({
      filter: (_name, payload, _meta, req) => payload.user === req.query.user,
    });
    const [one, two] = await Promise.all([open('?user=u1'), open('?user=u2')]);

    await publish(1, 'u1');
    await publish(2, 'u2');
    await publish(3, 'u1');
    await one.until('u1 events', (r) => r.events.length === 2);
    await two.until('u2 events', (r) => r.events.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(numbers(one)).toEqual([1, 3]);
    expect(numbers(two)).toEqual([2]);
  });

  it('removes the client when it disconnects', async () => {
    const { stream, open, publish } = await setup({ heartbeatMs: 20 });
    const stays = await open();
    const leaves = await open();
    await waitFor('two connections', () => stream.connections === 2);

    leaves.close();
    await waitFor('the server to drop the client', () => stream.connections === 1);
    await publish(1);
    await stays.until('the event on the remaining stream', (r) => r.events.length === 1);

    expect(stream.connections).toBe(1);
    stays.close();
    await waitFor('no connections', () => stream.connections === 0);
  });

  it('a reconnect with Last-Event-ID replays the missed events and only those', async () => {
    const { ids, received, open, publish } = await setup({ bufferSize: 10 });
    const first = await open();
    await publish(1);
    await publish(2);
    await first.until('two events', (r) => r.events.length === 2);
    first.close();

    await publish(3);
    await publish(4);
    await waitFor('the server to receive the missed events', () => received.length === 4);
    const lastSeen = first.events.at(-1)?.id ?? '';
    expect(lastSeen).toBe(ids.get(2));
    const again = await open('', { 'Last-Event-ID': lastSeen });
    await again.until('the missed events', (r) => r.events.length === 2);
    await publish(5);
    await again.until('the live event', (r) => r.events.length === 3);

    expect(numbers(again)).toEqual([3, 4, 5]);
    expect(again.events.map((frame) => frame.id)).toEqual([ids.get(3), ids.get(4), ids.get(5)]);
  });

  it('replays nothing for an unknown id, and from ?lastEventId= for a fresh page', async () => {
    const { ids, received, open, publish } = await setup({ bufferSize: 10 });
    await publish(1);
    await publish(2);
    await waitFor('the server to receive both', () => received.length === 2);

    const unknown = await open('', { 'Last-Event-ID': 'not-an-id' });
    const fromQuery = await open(`?lastEventId=${ids.get(1) ?? ''}`);
    await fromQuery.until('the replayed event', (r) => r.events.length === 1);
    await publish(3);
    await unknown.until('the live event', (r) => r.events.length === 1);

    expect(numbers(unknown)).toEqual([3]);
    await fromQuery.until('the live event', (r) => r.events.length === 2);
    expect(numbers(fromQuery)).toEqual([2, 3]);
  });

  it('keeps only the last bufferSize events for replay', async () => {
    const { ids, received, open, publish } = await setup({ bufferSize: 2 });
    for (const n of [1, 2, 3, 4]) await publish(n);
    await waitFor('the server to receive all four', () => received.length === 4);

    const fromTwo = await open('', { 'Last-Event-ID': ids.get(2) ?? '' });
    const fromOne = await open('', { 'Last-Event-ID': ids.get(1) ?? '' });
    await fromTwo.until('the replay', (r) => r.events.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(numbers(fromTwo)).toEqual([3, 4]);
    // Event 1 fell out of the buffer: its successor cannot be known, so nothing is replayed.
    expect(numbers(fromOne)).toEqual([]);
  });
});
