import { describe, expectTypeOf, it } from 'vitest';
import { type Bus, createBus, type DeliveryReport, type EventMeta, type InstanceInfo, memory } from '../src/index.js';

type Events = { 'user.created': { id: string } };
type Requests = {
  'price.quote': { request: { sku: string }; response: { cents: bigint } };
  'health.ping': { request: void; response: 'pong' };
};

const bus = createBus<Events, Requests>({ service: 's', transport: memory() });

describe('the request map types request() and handle()', () => {
  it('types the reply from the map', () => {
    expectTypeOf(bus.request('price.quote', { sku: 'a' })).toEqualTypeOf<Promise<{ cents: bigint }>>();
    expectTypeOf(bus.request('health.ping', undefined)).toEqualTypeOf<Promise<'pong'>>();
  });

  it('types the handler payload, meta and return value', () => {
    bus.handle('price.quote', (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<{ sku: string }>();
      expectTypeOf(meta).toEqualTypeOf<EventMeta>();
      return { cents: 1n };
    });
    bus.handle('price.quote', async () => ({ cents: 2n }));
    // @ts-expect-error cents must be a bigint
    bus.handle('price.quote', () => ({ cents: 1 }));
  });

  it('rejects unknown names and wrong payloads', () => {
    // @ts-expect-error not in the request map
    void bus.request('price.unknown', { sku: 'a' });
    // @ts-expect-error sku must be a string
    void bus.request('price.quote', { sku: 1 });
    // @ts-expect-error not in the request map
    bus.handle('price.unknown', () => ({ cents: 1n }));
  });

  it('keeps events and requests apart', () => {
    // @ts-expect-error a request name is not an event
    void bus.publish('price.quote', { sku: 'a' });
    // @ts-expect-error an event name is not a request
    void bus.request('user.created', { id: '1' });
  });

  it('accepts an interface as the request map', () => {
    interface Mapped {
      echo: { request: string; response: string };
    }
    const typed = createBus<Events, Mapped>({ service: 's', transport: memory() });
    expectTypeOf(typed.request('echo', 'x')).toEqualTypeOf<Promise<string>>();
  });

  it('refuses a request map entry that is not a { request, response } pair', () => {
    // @ts-expect-error response is missing
    createBus<Events, { bad: { request: string } }>({ service: 's', transport: memory() });
  });

  it('leaves createBus<Events>() and createBus() as they were: any request name, unknown payloads', () => {
    const eventsOnly: Bus<Events> = createBus<Events>({ service: 's', transport: memory() });
    expectTypeOf(eventsOnly.request('anything', 1)).toEqualTypeOf<Promise<unknown>>();
    const untyped = createBus({ service: 's', transport: memory() });
    untyped.handle('whatever', (payload) => {
      expectTypeOf(payload).toBeUnknown();
      return 42;
    });
  });
});

describe('presence and delivery acks', () => {
  it('publish resolves with a DeliveryReport only with ack: true', () => {
    expectTypeOf(bus.publish('user.created', { id: '1' }, { ack: true })).toEqualTypeOf<Promise<DeliveryReport>>();
    expectTypeOf(bus.publish('user.created', { id: '1' }, { to: 'billing' })).toEqualTypeOf<Promise<void>>();
    expectTypeOf(bus.publish('user.created', { id: '1' })).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error timeoutMs is for ack: true
    void bus.publish('user.created', { id: '1' }, { timeoutMs: 5 });
  });

  it('lists instances and returns an unsubscribe from onPresence', () => {
    expectTypeOf(bus.instances()).toEqualTypeOf<Promise<InstanceInfo[]>>();
    expectTypeOf(bus.onPresence((change) => expectTypeOf(change.type).toEqualTypeOf<'join' | 'leave'>())).toEqualTypeOf<() => void>();
  });
});
