import type {
  AckPublishOptions,
  AnyEventHandler,
  Bus,
  BusHealth,
  BusObserver,
  BusStats,
  CloseOptions,
  DeliveryReport,
  EncodedEvent,
  EventHandler,
  HandleOptions,
  InstanceInfo,
  Observation,
  PresenceChange,
  EventMap,
  EventName,
  EventPattern,
  EventSchemas,
  MatchingEvents,
  PayloadMap,
  PublishOptions,
  RegisterableClass,
  RequestHandler,
  RequestMap,
  RequestName,
  RequestOf,
  RequestOptions,
  RequestShape,
  ResponseOf,
  StatusChange,
  SubscribeOptions,
  Unsubscribe,
} from '@remit/core';

/**
 * The application's bus, injectable anywhere once `RemitModule` is imported. Type it with your
 * event map (and request map) where you inject it; names and payloads are then checked at compile
 * time. It is core's `Bus`, every method delegated.
 *
 * `RemitModule` starts it at application bootstrap (after every `@OnRemoteEvent` handler is
 * registered) and closes it on shutdown, so application code only publishes and subscribes.
 *
 * @example
 * @Controller('orders')
 * export class OrdersController {
 *   constructor(private readonly bus: EventBus<Events>) {}
 *   @Post() async place(@Body() order: Order) {
 *     await this.bus.publish('order.placed', { ...order, at: new Date() });
 *   }
 * }
 */
export class EventBus<E extends object = EventMap, R extends RequestShape<R> = RequestMap, P extends PayloadMap<E> = E>
  implements Bus<E, R, P>
{
  readonly #bus: Bus<E, R, P>;
  /** The same bus, for the implementations of overloads whose signatures already checked the types. */
  readonly #untyped: Bus<Record<string, never>>;

  constructor(bus: Bus<E, R, P>) {
    this.#bus = bus;
    this.#untyped = bus as unknown as Bus<Record<string, never>>;
  }

  get service(): string {
    return this.#bus.service;
  }

  get instanceId(): string {
    return this.#bus.instanceId;
  }

  get schemas(): EventSchemas {
    return this.#bus.schemas;
  }

  /** Runs `handler` for every event whose name matches the pattern (`order.*`, `order.#`, `#`). */
  on<T extends EventPattern>(pattern: T, handler: EventHandler<E[MatchingEvents<E, T>]>, options?: SubscribeOptions): Unsubscribe;
  /** Runs `handler` for every `name` event; broadcast by default, `{ group }` for one instance per group. */
  on<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions<E[K]>): Unsubscribe;
  on(name: string, handler: EventHandler<never>, options?: SubscribeOptions): Unsubscribe {
    return this.#untyped.on(name, handler, options);
  }

  once<T extends EventPattern>(pattern: T, handler: EventHandler<E[MatchingEvents<E, T>]>, options?: SubscribeOptions): Unsubscribe;
  once<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions<E[K]>): Unsubscribe;
  once(name: string, handler: EventHandler<never>, options?: SubscribeOptions): Unsubscribe {
    return this.#untyped.once(name, handler, options);
  }

  off<T extends EventPattern>(pattern: T, handler?: EventHandler<E[MatchingEvents<E, T>]>): void;
  off<K extends EventName<E>>(name: K, handler?: EventHandler<E[K]>): void;
  off(name: string, handler?: EventHandler<never>): void {
    this.#untyped.off(name, handler);
  }

  onAny(handler: AnyEventHandler<E>): Unsubscribe {
    return this.#bus.onAny(handler);
  }

  offAny(handler?: AnyEventHandler<E>): void {
    this.#bus.offAny(handler);
  }

  /** With `ack: true`, resolves once every live instance reported it ran its handlers (or `timeoutMs` passed). */
  publish<K extends EventName<E>>(name: K, payload: P[K], options: AckPublishOptions): Promise<DeliveryReport>;
  /** Sends an event to every instance (or those named by `to`); resolves once the broker confirmed it. */
  publish<K extends EventName<E>>(name: K, payload: P[K], options?: PublishOptions): Promise<void>;
  publish<K extends EventName<E>>(
    name: K,
    payload: P[K],
    options?: PublishOptions | AckPublishOptions,
  ): Promise<void> | Promise<DeliveryReport> {
    if (options?.ack === true) return this.#bus.publish(name, payload, options);
    return this.#bus.publish(name, payload, options);
  }

  /** Checks and encodes an event as `publish` would, and sends nothing (for an outbox). */
  encode<K extends EventName<E>>(name: K, payload: P[K], options?: PublishOptions): Promise<EncodedEvent> {
    return this.#bus.encode(name, payload, options);
  }

  /** Sends an event `encode` built, as `publish` would. */
  publishEncoded(event: EncodedEvent, options?: PublishOptions): Promise<void> {
    return this.#bus.publishEncoded(event, options);
  }

  /** Serves requests named `name`: one instance of this service answers each. */
  handle<K extends RequestName<R>>(
    name: K,
    handler: RequestHandler<RequestOf<R, K>, ResponseOf<R, K>>,
    options?: HandleOptions,
  ): Unsubscribe {
    return this.#bus.handle(name, handler, options);
  }

  /** Asks one instance of whichever service handles `name`; resolves with its reply. */
  request<K extends RequestName<R>>(name: K, payload: RequestOf<R, K>, options?: RequestOptions): Promise<ResponseOf<R, K>> {
    return this.#bus.request(name, payload, options);
  }

  /** Live instances of every service on the bus, this one included. */
  instances(): Promise<InstanceInfo[]> {
    return this.#bus.instances();
  }

  onPresence(listener: (change: PresenceChange) => void): Unsubscribe {
    return this.#bus.onPresence(listener);
  }

  /** Called by `RemitModule` at application bootstrap; idempotent. */
  start(): Promise<void> {
    return this.#bus.start();
  }

  /** Called by `RemitModule` on application shutdown; idempotent. */
  close(options?: CloseOptions): Promise<void> {
    return this.#bus.close(options);
  }

  health(): BusHealth {
    return this.#bus.health();
  }

  stats(): BusStats {
    return this.#bus.stats();
  }

  onStatus(listener: (change: StatusChange) => void): Unsubscribe {
    return this.#bus.onStatus(listener);
  }

  /** Watches the bus at work, e.g. for `testHarness([app.get(EventBus)])` from `@remit/testing`. */
  observe(observer: BusObserver): Observation {
    return this.#bus.observe(observer);
  }

  /** Lets the default codec send and rebuild instances of `cls` (e.g. an event class), on this bus only. */
  registerClass(cls: RegisterableClass, name?: string): void {
    this.#bus.registerClass(cls, name);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#bus.close();
  }
}
