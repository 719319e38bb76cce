import type { RegisterableClass } from './codec.js';
import type {
  AnyEventHandler,
  BusHealth,
  BusStats,
  CloseOptions,
  EventHandler,
  EventMap,
  EventName,
  PublishOptions,
  StatusChange,
  SubscribeOptions,
  Unsubscribe,
} from './types.js';

/** A distributed event bus; see `createBus`. */
export interface Bus<E extends object = EventMap> extends AsyncDisposable {
  readonly service: string;
  readonly instanceId: string;
  /** Runs `handler` for every `name` event; broadcast by default, `{ group }` for one instance per group. */
  on<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions): Unsubscribe;
  /** Like `on`, for the next event only. */
  once<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions): Unsubscribe;
  /** Removes `handler` from `name`, or every handler of `name` without one. */
  off<K extends EventName<E>>(name: K, handler?: EventHandler<E[K]>): void;
  /** Runs `handler` for every broadcast event. */
  onAny(handler: AnyEventHandler<E>): Unsubscribe;
  offAny(handler?: AnyEventHandler<E>): void;
  /** Sends an event to every instance; resolves once the broker confirmed it. */
  publish<K extends EventName<E>>(name: K, payload: E[K], options?: PublishOptions): Promise<void>;
  /** Connects, declares topology and starts consuming. Idempotent. */
  start(): Promise<void>;
  /** Stops consuming, lets running handlers finish, flushes publishes, then disconnects. Idempotent. */
  close(options?: CloseOptions): Promise<void>;
  health(): BusHealth;
  stats(): BusStats;
  onStatus(listener: (change: StatusChange) => void): Unsubscribe;
  /** Lets the default codec send and rebuild instances of `cls` (superjson), on this bus only. */
  registerClass(cls: RegisterableClass, name?: string): void;
}
