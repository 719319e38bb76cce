import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type Bus, createBus, type EventMeta, type InferEventInputs, type InferEvents, memory, type PayloadMap, type RequestMap } from '../src/index.js';

const schemas = {
  'user.created': z.object({ id: z.string(), email: z.email(), plan: z.enum(['free', 'pro']).default('free') }),
  'order.placed': v.object({ id: v.string(), total: v.pipe(v.string(), v.transform((text) => BigInt(text))) }),
};

const bus = createBus({ service: 's', transport: memory(), schemas });

describe('schemas type the bus when no type argument is given', () => {
  it('types handler payloads with each schema output', () => {
    bus.on('user.created', (user, meta) => {
      expectTypeOf(user).toEqualTypeOf<{ id: string; email: string; plan: 'free' | 'pro' }>();
      expectTypeOf(meta).toEqualTypeOf<EventMeta>();
    });
    bus.on('order.placed', (order) => {
      expectTypeOf(order.total).toEqualTypeOf<bigint>();
    });
    bus.onAny((name) => {
      expectTypeOf(name).toEqualTypeOf<'user.created' | 'order.placed'>();
    });
  });

  it('types publish with each schema input: defaults optional, pre-transform types', () => {
    void bus.publish('user.created', { id: '1', email: 'a@b.c' });
    void bus.publish('user.created', { id: '1', email: 'a@b.c', plan: 'pro' });
    void bus.publish('order.placed', { id: 'o1', total: '12' });
    // @ts-expect-error id must be a string
    void bus.publish('user.created', { id: 1, email: 'a@b.c' });
    // @ts-expect-error plan is 'free' or 'pro'
    void bus.publish('user.created', { id: '1', email: 'a@b.c', plan: 'gold' });
    // @ts-expect-error total is sent as text; the schema turns it into a bigint
    void bus.publish('order.placed', { id: 'o1', total: 12n });
  });

  it('rejects names no schema describes', () => {
    // @ts-expect-error no schema for user.deleted
    bus.on('user.deleted', () => {});
    // @ts-expect-error no schema for user.deleted
    void bus.publish('user.deleted', {});
  });

  it('is a Bus of the inferred maps, exposing its schemas', () => {
    expectTypeOf(bus).toEqualTypeOf<Bus<InferEvents<typeof schemas>, RequestMap, InferEventInputs<typeof schemas>>>();
    expectTypeOf(bus.schemas['user.created']).not.toBeAny();
  });
});

describe('a schema-typed bus given to code generic over buses (as the adapters are)', () => {
  // How @remit/express, @remit/emitter and @remit/nestjs take a bus: P, what publish accepts, rides along.
  const takesBus = <E extends object, P extends PayloadMap<E> = E>(given: Bus<E, RequestMap, P>) => given;

  it('keeps both maps, even when a transform changes a type', () => {
    const passed = takesBus(bus);
    expectTypeOf(passed).toEqualTypeOf<typeof bus>();
    passed.on('order.placed', (order) => expectTypeOf(order.total).toEqualTypeOf<bigint>());
    void passed.publish('order.placed', { id: 'o1', total: '12' });
  });

  it('still takes a bus typed by an event map alone', () => {
    type Events = { ping: { n: number } };
    expectTypeOf(takesBus(createBus<Events>({ service: 's', transport: memory() }))).toEqualTypeOf<Bus<Events>>();
  });
});

describe('an explicit event map still wins', () => {
  type Events = { 'user.created': { id: string } };

  it('keeps createBus<Events>() exactly as without schemas', () => {
    const typed = createBus<Events>({ service: 's', transport: memory() });
    expectTypeOf(typed).toEqualTypeOf<Bus<Events>>();
    // @ts-expect-error id must be a string
    void typed.publish('user.created', { id: 1 });
  });

  it('types the bus from the type argument even when schemas are given', () => {
    const typed = createBus<Events>({ service: 's', transport: memory(), schemas: { 'user.created': z.object({ id: z.string() }) } });
    typed.on('user.created', (user) => {
      expectTypeOf(user).toEqualTypeOf<{ id: string }>();
    });
  });

  it('accepts any name and an unknown payload without a type argument or schemas', () => {
    const untyped = createBus({ service: 's', transport: memory() });
    expectTypeOf(untyped).toEqualTypeOf<Bus>();
    untyped.on('anything', (payload) => {
      expectTypeOf(payload).toBeUnknown();
    });
  });
});
