import { createBus, type EventMeta, memory } from '@remit/core';
import { EventEmitter } from 'node:events';
import { describe, expectTypeOf, it } from 'vitest';
import { bridge, RemoteEmitter } from '../src/index.js';

type Events = { 'user.created': { id: string; at: Date }; 'tick': number };
const bus = createBus<Events>({ service: 's', transport: memory() });

describe('types', () => {
  it('RemoteEmitter listeners get the payload type of the map and an optional meta', () => {
    const emitter = new RemoteEmitter<Events>(bus);
    emitter.on('user.created', (user, meta) => {
      expectTypeOf(user).toEqualTypeOf<{ id: string; at: Date }>();
      expectTypeOf(meta).toEqualTypeOf<EventMeta | undefined>();
    });
    emitter.emit('tick', 1);
    // @ts-expect-error wrong payload type
    emitter.emit('tick', 'one');
    // @ts-expect-error unknown event
    emitter.emit('nope', 1);
  });

  it('bridge only accepts names of the map', () => {
    bridge(new EventEmitter(), bus, { events: ['user.created', 'tick'] });
    // @ts-expect-error unknown event
    bridge(new EventEmitter(), bus, { events: ['nope'] });
  });
});
