import { createBus, type EventMeta, type EventPattern, memory } from '@remit/core';
import express from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { eventStream, health, remit } from '../src/index.js';

type Events = { 'user.created': { id: string; at: Date }; 'cache.cleared': void };
type Requests = { 'price.quote': { request: { sku: string }; response: { cents: number } } };

// What an application writes once to type req.bus.
declare module '../src/index.js' {
  interface Register {
    events: Events;
    requests: Requests;
  }
}

const bus = createBus<Events, Requests>({ service: 's', transport: memory() });

describe('types', () => {
  it('req.bus.publish is typed by the registered event map', () => {
    const app = express();
    app.use(remit(bus, { events: ['user.created'] }));
    app.post('/users', async (req, res) => {
      await req.bus.publish('user.created', { id: '1', at: new Date() });
      // @ts-expect-error wrong payload type
      await req.bus.publish('user.created', { id: 1, at: new Date() });
      // @ts-expect-error unknown event
      await req.bus.publish('user.deleted', { id: '1' });
      const quote = await req.bus.request('price.quote', { sku: 'A-1' });
      expectTypeOf(quote).toEqualTypeOf<{ cents: number }>();
      // @ts-expect-error wrong request payload
      await req.bus.request('price.quote', { sku: 1 });
      res.sendStatus(201);
    });
    // Also on a Router, whose handlers get the same global Request type.
    express.Router().get('/x', (req) => {
      // The map's names, or a pattern over them (`user.*`).
      expectTypeOf(req.bus.on).parameter(0).toEqualTypeOf<'user.created' | 'cache.cleared' | EventPattern>();
    });
  });

  it('remit and eventStream only accept names of the map', () => {
    // @ts-expect-error unknown event
    remit(bus, { events: ['nope'] });
    // @ts-expect-error unknown event
    eventStream(bus, { events: ['nope'] });
    eventStream(bus, {
      events: ['user.created'],
      filter: (name, _payload, meta, req) => {
        expectTypeOf(name).toEqualTypeOf<'user.created' | 'cache.cleared'>();
        expectTypeOf(meta).toEqualTypeOf<EventMeta>();
        return req.query.user !== undefined;
      },
    });
  });

  it('the middleware and handlers are accepted by app.use and app.get', () => {
    const app = express();
    const middleware = remit(bus);
    app.use(middleware);
    app.get('/events', eventStream(bus, { events: ['user.created'] }));
    app.get('/health', health(bus));
    expectTypeOf(middleware.unbridge).toEqualTypeOf<() => void>();
    // A bus typed by events only works as well.
    const eventsOnly = createBus<Events>({ service: 's', transport: memory() });
    app.use(remit(eventsOnly, { events: ['cache.cleared'] }));
    app.get('/health', health(eventsOnly));
  });
});
