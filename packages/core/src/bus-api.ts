import type { RegisterableClass } from './wire/codecs.js';
import type { DeliveryReport, InstanceInfo, PresenceChange } from './presence/presence-types.js';
import type {
  HandleOptions,
  RequestHandler,
  RequestMap,
  RequestName,
  RequestOf,
  RequestOptions,
  RequestShape,
  ResponseOf,
} from './requests/request-types.js';
import type {
  AckPublishOptions,
  AnyEventHandler,
  CloseOptions,
  EncodedEvent,
  EventHandler,
  EventMap,
  EventName,
  EventPattern,
  MatchingEvents,
  PublishOptions,
  Unsubscribe,
} from './types.js';
import type { BusHealth, BusStats, StatusChange } from './bus-state.js';
import type { SubscribeOptions } from './events/subscribe-options.js';
import type { EventSchemas } from './schemas/schema-types.js';
import type { BusObserver, Observation } from './observe/bus-activity.js';

/** The same event names as `E`, each to what `publish` accepts for it (see Bus's `P`). */
export type PayloadMap<E> = { [K in keyof E]: unknown };

/**
 * A distributed event bus; see `createBus`. `E` types events (what handlers receive), `R` requests,
 * `P` what `publish` accepts: `E`, unless schemas transform payloads (their input types then).
 */
export interface Bus<E extends object = EventMap, R extends RequestShape<R> = RequestMap, P extends PayloadMap<E> = E>
  extends AsyncDisposable {
  readonly service: string;
  readonly instanceId: string;
  /** The `schemas` option as given (an empty object without it), e.g. for generating AsyncAPI. */
  readonly schemas: EventSchemas;
  // The pattern overloads come first: the last one is what `Parameters<>` and friends see.
  /** Runs `handler` for every event whose name matches the pattern (`order.*`, `order.#`, `#`; see EventPattern). */
  on<P extends EventPattern>(pattern: P, handler: EventHandler<E[MatchingEvents<E, P>]>, options?: SubscribeOptions): Unsubscribe;
  /** Runs `handler` for every `name` event; broadcast by default, `{ group }` for one instance per group. */
  on<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions<E[K]>): Unsubscribe;
  /** Like `on`, for the next event only. */
  once<P extends EventPattern>(pattern: P, handler: EventHandler<E[MatchingEvents<E, P>]>, options?: SubscribeOptions): Unsubscribe;
  once<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions<E[K]>): Unsubscribe;
  /** Removes `handler` from `name` (or the pattern), or every handler of it without one. */
  off<P extends EventPattern>(pattern: P, handler?: EventHandler<E[MatchingEvents<E, P>]>): void;
  off<K extends EventName<E>>(name: K, handler?: EventHandler<E[K]>): void;
  /** Runs `handler` for every broadcast event. */
  onAny(handler: AnyEventHandler<E>): Unsubscribe;
  offAny(handler?: AnyEventHandler<E>): void;
  /**
   * Sends an event to every instance (or those named by `to`); with `ack: true`, resolves once
   * every live instance reported it ran its handlers, or `timeoutMs` passed.
   */
  publish<K extends EventName<E>>(name: K, payload: P[K], options: AckPublishOptions): Promise<DeliveryReport>;
  /** Sends an event to every instance (or those named by `to`); resolves once the broker confirmed it. */
  publish<K extends EventName<E>>(name: K, payload: P[K], options?: PublishOptions): Promise<void>;
  /**
   * Does everything `publish` does before sending — checks the name and options, validates the
   * payload against its schema, encodes it with the codec within `maxPayloadBytes` — and sends
   * nothing. Rejects as `publish` would (ConfigError, ValidationError, PayloadTooLargeError). For a
   * publisher that stores an event now and sends it later with `publishEncoded` (an outbox).
   *
   * @example
   * const event = await bus.encode('order.placed', order); // fails here, inside the caller's transaction
   * await bus.publishEncoded(event, { id: rowId });        // later, from the stored bytes
   */
  encode<K extends EventName<E>>(name: K, payload: P[K], options?: PublishOptions): Promise<EncodedEvent>;
  /**
   * Sends an event `encode` built — by this bus, or by another with the same codec and registered
   * classes — exactly as `publish` would send it (local handlers, confirms, `to`, `id`).
   */
  publishEncoded(event: EncodedEvent, options?: PublishOptions): Promise<void>;
  /**
   * Serves requests named `name` for this service: one instance of the service answers each
   * request, with `handler`'s return value. Returns a function that stops serving.
   */
  handle<K extends RequestName<R>>(name: K, handler: RequestHandler<RequestOf<R, K>, ResponseOf<R, K>>, options?: HandleOptions): Unsubscribe;
  /**
   * Asks one instance of whichever service handles `name`, and resolves with its reply. Rejects
   * with RequestTimeoutError, NoResponderError, RemoteError (the handler threw), ConnectionError
   * (the connection was lost with the request in flight), or the signal's reason when aborted.
   */
  request<K extends RequestName<R>>(name: K, payload: RequestOf<R, K>, options?: RequestOptions): Promise<ResponseOf<R, K>>;
  /** Live instances of every service on this bus, this one included, sorted by service and instance. */
  instances(): Promise<InstanceInfo[]>;
  /** Hears other instances join and leave. */
  onPresence(listener: (change: PresenceChange) => void): Unsubscribe;
  /** Connects, declares topology and starts consuming. Idempotent. */
  start(): Promise<void>;
  /** Stops consuming, lets running handlers finish, flushes publishes, then disconnects. Idempotent. */
  close(options?: CloseOptions): Promise<void>;
  health(): BusHealth;
  stats(): BusStats;
  onStatus(listener: (change: StatusChange) => void): Unsubscribe;
  /**
   * Watches this bus at work, for test harnesses (`@remit/testing`) and tools: `observer` hears
   * every publish, delivery, handler run, request, dead letter and failure as it begins, each with
   * a promise that settles when it ends (see `BusActivity`). A bus nobody observes pays nothing
   * for it. Returns the observation; `stop()` ends it.
   */
  observe(observer: BusObserver): Observation;
  /** Lets the default codec send and rebuild instances of `cls` (superjson), on this bus only. */
  registerClass(cls: RegisterableClass, name?: string): void;
}
