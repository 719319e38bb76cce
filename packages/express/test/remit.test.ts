import { ConfigError, createBus, memory, memoryBroker } from '@remit/core';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { remit } from '../src/index.js';
import { serve } from './http.js';

type Events = { 'user.created': { id: string; at: Date }; 'note.added': string };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function instance(broker: ReturnType<typeof memoryBroker>, options: Parameters<typeof remit<Events>>[1] = { events: ['user.created'] }) {
  const bus = createBus<Events>({ service: 'api', transport: memory(broker) });
  const app = express();
  const middleware = remit(bus, options);
  app.use(middleware);
  const heard: Array<{ id: string; from: string }> = [];
  // @types/express types app.on for 'mount' only; addListener is the same method, typed as Node's.
  app.addListener('user.created', (user: { id: string }, meta?: { instance: string }) => heard.push({ id: user.id, from: meta?.instance ?? 'local' }));
  cleanups.push(() => bus.close());
  return { bus, app, middleware, heard };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('remit() middleware', () => {
  it('bridges the app as soon as it is mounted, before any request', async () => {
    const broker = memoryBroker();
    const a = instance(broker);
    const b = instance(broker);
    await Promise.all([a.bus.start(), b.bus.start()]);

    a.app.emit('user.created', { id: '1', at: new Date(0) });
    await settle();

    expect(a.heard).toEqual([{ id: '1', from: 'local' }]);
    expect(b.heard).toEqual([{ id: '1', from: a.bus.instanceId }]);
  });

  it('re-emits remote events with their rich payload and meta', async () => {
    const broker = memoryBroker();
    const a = instance(broker);
    const b = instance(broker);
    await Promise.all([a.bus.start(), b.bus.start()]);
    const received = new Promise<unknown[]>((resolve) => b.app.once('user.created', (...args: unknown[]) => resolve(args)));

    a.app.emit('user.created', { id: '2', at: new Date(1000) });

    const [payload, meta] = await received;
    expect(payload).toEqual({ id: '2', at: new Date(1000) });
    expect(meta).toMatchObject({ name: 'user.created', service: 'api', instance: a.bus.instanceId });
  });

  it('sets req.bus on every request', async () => {
    const broker = memoryBroker();
    const a = instance(broker, {});
    const b = instance(broker);
    await Promise.all([a.bus.start(), b.bus.start()]);
    a.app.post('/users/:id', async (req, res) => {
      await req.bus.publish('user.created', { id: req.params.id ?? '', at: new Date() });
      res.json({ same: req.bus.instanceId === a.bus.instanceId });
    });
    const server = await serve(a.app);
    cleanups.push(server.close);

    const response = await fetch(`${server.url}/users/7`, { method: 'POST' });

    expect(await response.json()).toEqual({ same: true });
    await settle();
    expect(b.heard).toEqual([{ id: '7', from: a.bus.instanceId }]);
    // Without `events`, the middleware does not bridge: a's app hears nothing.
    expect(a.heard).toEqual([]);
  });

  it('unbridge() stops both directions and leaves the app with only its own listeners', async () => {
    const broker = memoryBroker();
    const a = instance(broker);
    const b = instance(broker);
    await Promise.all([a.bus.start(), b.bus.start()]);
    expect(a.app.listenerCount('user.created')).toBe(2);

    a.middleware.unbridge();
    a.middleware.unbridge();
    a.app.emit('user.created', { id: 'a', at: new Date() });
    b.app.emit('user.created', { id: 'b', at: new Date() });
    await settle();

    expect(a.app.listenerCount('user.created')).toBe(1);
    expect(a.heard).toEqual([{ id: 'a', from: 'local' }]);
    expect(b.heard).toEqual([{ id: 'b', from: 'local' }]);
  });

  it('rejects invalid arguments with a ConfigError naming the field', () => {
    const bus = createBus<Events>({ service: 'api', transport: memory() });
    expect(() => remit({} as never)).toThrow(expect.objectContaining({ name: 'ConfigError', field: 'bus' }));
    expect(() => remit(bus, { events: [] })).toThrow(expect.objectContaining({ field: 'events' }));
    expect(() => remit(bus, { events: [''] as never })).toThrow(expect.objectContaining({ field: 'events[0]' }));
    expect(() => remit(bus, { onError: 1 } as never)).toThrow(expect.objectContaining({ field: 'onError' }));
    expect(() => remit(bus, { event: ['x'] } as never)).toThrow(ConfigError);
  });
});
