import type {
  AnyEventHandler,
  Bus,
  BusHealth,
  BusStats,
  CloseOptions,
  EventHandler,
  EventMap,
  EventName,
  PublishOptions,
  RegisterableClass,
  StatusChange,
  SubscribeOptions,
  Unsubscribe,
} from '@remit/core';

/**
 * The application's bus, injectable anywhere once `RemitModule` is imported. Type it with your
 * event map where you inject it; names and payloads are then checked at compile time.
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
export class EventBus<E extends object = EventMap> implements Bus<E> {
  readonly #bus: Bus<E>;

  constructor(bus: Bus<E>) {
    this.#bus = bus;
  }

  get service(): string {
    return this.#bus.service;
  }

  get instanceId(): string {
    return this.#bus.instanceId;
  }

  /** Runs `handler` for every `name` event; broadcast by default, `{ group }` for one instance per group. */
  on<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions): Unsubscribe {
    return this.#bus.on(name, handler, options);
  }

  once<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions): Unsubscribe {
    return this.#bus.once(name, handler, options);
  }

  off<K extends EventName<E>>(name: K, handler?: EventHandler<E[K]>): void {
    this.#bus.off(name, handler);
  }

  onAny(handler: AnyEventHandler<E>): Unsubscribe {
    return this.#bus.onAny(handler);
  }

  offAny(handler?: AnyEventHandler<E>): void {
    this.#bus.offAny(handler);
  }

  /** Sends an event to every instance; resolves once the broker confirmed it. */
  publish<K extends EventName<E>>(name: K, payload: E[K], options?: PublishOptions): Promise<void> {
    return this.#bus.publish(name, payload, options);
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

  /** Lets the default codec send and rebuild instances of `cls` (e.g. an event class), on this bus only. */
  registerClass(cls: RegisterableClass, name?: string): void {
    this.#bus.registerClass(cls, name);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#bus.close();
  }
}
