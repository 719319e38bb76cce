import { describe, expectTypeOf, it } from 'vitest';
import { createBus, type EventMeta, memory } from '../src/index.js';

type Events = {
  'user.created': { id: string; at: Date };
  'cache.invalidate': { keys: Set<string> };
};

const bus = createBus<Events>({ service: 's', transport: memory() });

describe('the event map types the bus', () => {
  it('types handler payloads and meta from the map', () => {
    bus.on('user.created', (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<{ id: string; at: Date }>();
      expectTypeOf(meta).toEqualTypeOf<EventMeta>();
    });
    bus.on('cache.invalidate', (payload) => {
      expectTypeOf(payload.keys).toEqualTypeOf<Set<string>>();
    });
  });

  it('rejects unknown event names', () => {
    // @ts-expect-error 'user.deleted' is not in the map
    bus.on('user.deleted', () => {});
    // @ts-expect-error 'user.deleted' is not in the map
    void bus.publish('user.deleted', {});
  });

  it('rejects wrong payloads', () => {
    // @ts-expect-error id must be a string
    void bus.publish('user.created', { id: 1, at: new Date() });
    // @ts-expect-error at is missing
    void bus.publish('user.created', { id: '1' });
    // @ts-expect-error keys must be a Set
    void bus.publish('cache.invalidate', { keys: ['a'] });
    void bus.publish("cache.invalidate", { keys: new Set(["a"]) });
  });

  it('returns an unsubscribe function and a confirm promise', () => {
    expectTypeOf(bus.on('user.created', () => {})).toEqualTypeOf<() => void>();
    expectTypeOf(bus.publish('user.created', { id: '1', at: new Date() })).toEqualTypeOf<Promise<void>>();
  });

  it('accepts any name and an unknown payload without a type argument', () => {
    const untyped = createBus({ service: 's', transport: memory() });
    untyped.on('anything.at.all', (payload) => {
      expectTypeOf(payload).toBeUnknown();
    });
    void untyped.publish('whatever', 42);
  });

  it('accepts an interface as the event map', () => {
    interface Mapped {
      ping: { n: number };
    }
    const typed = createBus<Mapped>({ service: 's', transport: memory() });
    // @ts-expect-error n must be a number
    void typed.publish('ping', { n: 'x' });
  });
});

describe('patterns type their handlers with the events they match', () => {
  type Orders = {
    'order.placed': { id: string };
    'order.cancelled': { id: string; reason: string };
    'order.line.added': { sku: string };
    'user.created': { email: string };
  };
  const orders = createBus<Orders>({ service: 's', transport: memory() });

  it('a * word matches one word, a # word any number', () => {
    orders.on('order.*', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<{ id: string } | { id: string; reason: string }>();
    });
    orders.on('order.#', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<{ id: string } | { id: string; reason: string } | { sku: string }>();
    });
    orders.on('#', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<Orders[keyof Orders]>();
    });
    orders.on('*.created', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<{ email: string }>();
    });
    orders.once('order.line.*', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<{ sku: string }>();
    });
    orders.off('order.*');
  });

  it('without a type argument a pattern handler gets unknown, like any name', () => {
    const untyped = createBus({ service: 's', transport: memory() });
    untyped.on('order.*', (payload) => {
      expectTypeOf(payload).toBeUnknown();
    });
    untyped.on('order.placed', (payload) => {
      expectTypeOf(payload).toBeUnknown();
    });
  });

  it('a pattern matching no event gives the handler nothing it could use', () => {
    orders.on('invoice.*', (payload) => {
      expectTypeOf(payload).toBeNever();
    });
  });
});
