import type { Bus, EventMap, EventMeta, EventName, PayloadMap, RequestMap, Unsubscribe } from '@remit/core';
import { EventEmitter } from 'eventemitter3';
import { errorListener, eventList } from './options.js';

/** Listener signatures of a `RemoteEmitter`: the payload, and `meta` when the event came from another instance. */
export type RemoteEventTypes<E extends object> = {
  [K in EventName<E>]: (payload: E[K], meta?: EventMeta) => void;
};

export interface RemoteEmitterOptions<E extends object> {
  /**
   * Event names carried across instances; others stay local to this emitter.
   * @default every event
   */
  events?: readonly EventName<E>[];
  /**
   * Hears a publish that failed (see `BridgeOptions.onError`).
   * @default a process warning naming the event
   */
  onError?: (error: Error, event: EventName<E>) => void;
}

/**
 * An eventemitter3 emitter whose `emit` is heard by every instance on the bus: the smallest way to
 * write new code on remit. Listeners hear local events as `(payload)` and remote ones as
 * `(payload, meta)`. Call `close()` (or `using`) to stop hearing remote events; the bus itself
 * is yours to start and close.
 *
 * @example
 * const events = new RemoteEmitter<Events>(bus);
 * events.on('user.created', (user, meta) => console.log(user.id, meta ? `from ${meta.service}` : 'here'));
 * events.emit('user.created', { id: '1' });
 */
export class RemoteEmitter<E extends object = EventMap, P extends PayloadMap<E> = E>
  extends EventEmitter<RemoteEventTypes<E>>
  implements Disposable
{
  readonly bus: Bus<E, RequestMap, P>;
  readonly #events: ReadonlySet<string> | null;
  readonly #onError: (error: Error, event: EventName<E>) => void;
  readonly #unsubscribe: Unsubscribe;

  constructor(bus: Bus<E, RequestMap, P>, options: RemoteEmitterOptions<E> = {}) {
    super();
    this.bus = bus;
    this.#events = options.events === undefined ? null : new Set(eventList<E>(options.events));
    this.#onError = errorListener<E>(options.onError);
    this.#unsubscribe = bus.onAny((name, payload, meta) => {
      // This instance's own publishes were emitted here already, by emit().
      if (meta.instance === bus.instanceId || !this.#carries(name)) return;
      // Delivered locally only: a remote event is never published again.
      this.#emitLocal(name, payload, meta);
    });
  }

  /** Emits to this emitter's listeners and, for carried events, publishes to every other instance. */
  override emit<K extends EventEmitter.EventNames<RemoteEventTypes<E>>>(
    event: K,
    ...args: EventEmitter.EventArgs<RemoteEventTypes<E>, K>
  ): boolean {
    const delivered = super.emit(event, ...args);
    if (typeof event === 'string' && this.#carries(event)) {
      // eventemitter3's mapped types hide that `event` is one of E's names and args[0] its payload.
      const name = event as EventName<E>;
      const [payload] = args as unknown as [P[EventName<E>]];
      this.bus.publish(name, payload).catch((error: unknown) => {
        this.#onError(error instanceof Error ? error : new Error(String(error)), name);
      });
    }
    return delivered;
  }

  /** Stops hearing remote events. Listeners stay; `emit` goes on publishing unless the bus is closed. */
  close(): void {
    this.#unsubscribe();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The base class's emit, untyped: remote events arrive as plain names and values. */
  #emitLocal(name: string, ...args: unknown[]): boolean {
    return EventEmitter.prototype.emit.call(this, name, ...args);
  }

  #carries(name: string): boolean {
    return this.#events === null || this.#events.has(name);
  }
}
