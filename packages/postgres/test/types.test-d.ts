import { createBus, type EventMeta, memory } from '@remit/core';
import type { Pool, PoolClient } from 'pg';
import { expectTypeOf, test } from 'vitest';
import { postgresOutbox } from '../src/index.js';

type Events = { 'order.placed': { id: string; at: Date }; 'cache.cleared': { keys: string[] } };
declare const pool: Pool;
declare const tx: PoolClient;

test('publish() is typed by the bus’s event map', () => {
  const bus = createBus<Events>({ service: 'orders', transport: memory() });
  const outbox = postgresOutbox({ bus, pool });
  expectTypeOf(outbox.publish(tx, 'order.placed', { id: '1', at: new Date() })).toEqualTypeOf<Promise<string>>();
  // @ts-expect-error: a payload of the wrong type
  void outbox.publish(tx, 'order.placed', { id: 1, at: new Date() });
  // @ts-expect-error: an event the map does not have
  void outbox.publish(tx, 'order.shipped', { id: '1' });
  // @ts-expect-error: the relay sets the id
  void outbox.publish(tx, 'order.placed', { id: '1', at: new Date() }, { id: 'x' });
});

test('inbox() handlers get the event’s payload, its meta and the transaction', () => {
  const bus = createBus<Events>({ service: 'orders', transport: memory() });
  const outbox = postgresOutbox({ bus, pool });
  bus.on(
    'order.placed',
    outbox.inbox(async (order, meta, client) => {
      expectTypeOf(order).toEqualTypeOf<{ id: string; at: Date }>();
      expectTypeOf(meta).toEqualTypeOf<EventMeta>();
      expectTypeOf(client).toEqualTypeOf<PoolClient>();
    }),
  );
  // @ts-expect-error: a handler for another event's payload
  bus.on('order.placed', outbox.inbox(async (event: { keys: string[] }) => void event));
});

test('a bus without a map takes any name and payload', () => {
  const bus = createBus({ service: 'orders', transport: memory() });
  const outbox = postgresOutbox({ bus, pool });
  void outbox.publish(tx, 'anything', 42);
});

test('publishAll() takes events of the map, each with its own payload type', () => {
  const bus = createBus<Events>({ service: 'orders', transport: memory() });
  const outbox = postgresOutbox({ bus, pool });
  void outbox.publishAll(tx, [
    { name: 'order.placed', payload: { id: '1', at: new Date() } },
    { name: 'cache.cleared', payload: { keys: ['a'] }, options: { headers: { tenant: 't' } } },
  ]);
  // @ts-expect-error: the payload of another event
  void outbox.publishAll(tx, [{ name: 'order.placed', payload: { keys: ['a'] } }]);
});
