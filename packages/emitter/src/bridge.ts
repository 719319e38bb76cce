import type { Bus, EventMeta, EventName, PayloadMap, RequestMap } from '@remit/core';
import { ConfigError } from '@remit/core';
import { type EmitterLike, isEmitterLike, removeListener } from './emitter-like.js';
import { type BridgeOptions, normalizeBridgeOptions } from './options.js';

/** Undoes a `bridge`: removes every listener and handler it added. Calling it twice is harmless. */
export type Unbridge = () => void;

/**
 * Carries the listed events between a local emitter and every other instance on the bus.
 *
 * - `emitter.emit(name, payload)` here is published on the bus (the first argument is the payload).
 *   The emitter has already delivered it to its own listeners; this instance's `bus.on` handlers
 *   also run, once, as for any publish.
 * - An event published by another instance is emitted here as `emitter.emit(name, payload, meta)`,
 *   so a listener that wants to know where an event came from reads its second argument.
 * - Nothing loops: what the bridge emits for a remote event is never published again.
 *
 * @example
 * const unbridge = bridge(emitter, bus, { events: ['user.created'] });
 * emitter.on('user.created', (user, meta) => console.log(user.id, meta?.service ?? 'here'));
 * emitter.emit('user.created', { id: '1' }); // heard by every bridged emitter on the bus
 */
export function bridge<E extends object, P extends PayloadMap<E> = E>(
  emitter: EmitterLike,
  bus: Bus<E, RequestMap, P>,
  options: BridgeOptions<E>,
): Unbridge {
  if (!isEmitterLike(emitter)) throw new ConfigError('emitter', 'expected an EventEmitter (with on, emit and off).');
  const { events, onError } = normalizeBridgeOptions<E>(options);
  // Metas of the events this bridge re-emitted: their local listener call must not publish again.
  const reemitted = new WeakSet<EventMeta>();
  const removals: Array<() => void> = [];

  for (const name of events) {
    const publishLocal = (payload: unknown, meta?: unknown): void => {
      if (typeof meta === 'object' && meta !== null && reemitted.has(meta as EventMeta)) return;
      bus.publish(name, payload as P[typeof name]).catch((error: unknown) => onError(toError(error), name));
    };
    emitter.on(name, publishLocal);
    removals.push(() => removeListener(emitter, name, publishLocal));

    const emitRemote = (payload: E[typeof name], meta: EventMeta): void => {
      // This instance's own publishes already reached the emitter, where they were emitted.
      if (meta.instance === bus.instanceId) return;
      reemitted.add(meta);
      emitter.emit(name, payload, meta);
    };
    removals.push(bus.on(name, emitRemote));
  }

  let bridged = true;
  return function unbridge(): void {
    if (!bridged) return;
    bridged = false;
    for (const remove of removals.splice(0)) remove();
  };
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
