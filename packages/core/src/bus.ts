import type { Bus, PayloadMap } from './bus-api.js';
import { type BusOptions, type NormalizedBusOptions, normalizeBusOptions } from './bus-options.js';
import { integer } from './config-checks.js';
import { ClosedError, ConfigError, toError } from './errors.js';
import type { HandlerEntry } from './events/handler-registry.js';
import type { SubscribeOptions } from './events/subscribe-options.js';
import type { BusObserver, Observation } from './observe/bus-activity.js';
import { observe } from './observe/observation.js';
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
import type { EventSchemas, InferEventInputs, InferEvents } from './schemas/schema-types.js';
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
import type { RegisterableClass } from './wire/codecs.js';
import { type BusParts, wireBus } from './wire-bus.js';
import { randomInstanceId } from './wire/instance-id.js';

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

class RemitBus<E extends object, R extends RequestShape<R>, P extends PayloadMap<E>> implements Bus<E, R, P> {
  readonly service: string;
  readonly instanceId: string;
  readonly schemas: EventSchemas;
  readonly #options: NormalizedBusOptions;
  readonly #parts: BusParts;
  #startPromise: Promise<void> | null = null;
  #closePromise: Promise<void> | null = null;

  constructor(options: NormalizedBusOptions) {
    this.#options = options;
    this.service = options.service;
    this.instanceId = options.instanceId;
    this.schemas = options.schemas;
    this.#parts = wireBus(options);
  }

  // ── events ──────────────────────────────────────────────────────────────────────────────────

  on<K extends EventPattern>(pattern: K, handler: EventHandler<E[MatchingEvents<E, K>]>, options?: SubscribeOptions): Unsubscribe;
  on<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions<E[K]>): Unsubscribe;
  on(name: string, handler: EventHandler<never>, options?: SubscribeOptions): Unsubscribe {
    return this.#parts.subscriptions.add(name, handler, options, false);
  }

  once<K extends EventPattern>(pattern: K, handler: EventHandler<E[MatchingEvents<E, K>]>, options?: SubscribeOptions): Unsubscribe;
  once<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions<E[K]>): Unsubscribe;
  once(name: string, handler: EventHandler<never>, options?: SubscribeOptions): Unsubscribe {
    return this.#parts.subscriptions.add(name, handler, options, true);
  }

  off<K extends EventPattern>(pattern: K, handler?: EventHandler<E[MatchingEvents<E, K>]>): void;
  off<K extends EventName<E>>(name: K, handler?: EventHandler<E[K]>): void;
  off(name: string, handler?: EventHandler<never>): void {
    this.#parts.subscriptions.remove(name, handler as HandlerEntry['fn'] | undefined);
  }

  onAny(handler: AnyEventHandler<E>): Unsubscribe {
    // The registry stores handlers of any map; the names and payloads it passes back are this map's.
    return this.#parts.subscriptions.addAny(handler, (name, payload, meta) => handler(name as EventName<E>, payload as E[EventName<E>], meta));
  }

  offAny(handler?: AnyEventHandler<E>): void {
    this.#parts.subscriptions.removeAny(handler as HandlerEntry['fn'] | undefined);
  }

  publish<K extends EventName<E>>(name: K, payload: P[K], options: AckPublishOptions): Promise<DeliveryReport>;
  publish<K extends EventName<E>>(name: K, payload: P[K], options?: PublishOptions): Promise<void>;
  publish(name: string, payload: unknown, options: PublishOptions | AckPublishOptions = {}): Promise<DeliveryReport | void> {
    // Not async: the publisher's publish is, and a second wrapper would cost a promise per event.
    if (this.#parts.lifecycle.refusing) return Promise.reject(new ClosedError());
    const published = this.#parts.publisher.publish(name, payload, options);
    if (this.#parts.observers.active) this.#parts.observers.emit({ kind: 'publish', name, done: published });
    return published;
  }

  async encode<K extends EventName<E>>(name: K, payload: P[K], options: PublishOptions = {}): Promise<EncodedEvent> {
    return this.#parts.publisher.encode(name, payload, options);
  }

  async publishEncoded(event: EncodedEvent, options: PublishOptions = {}): Promise<void> {
    if (this.#parts.lifecycle.refusing) throw new ClosedError();
    await this.#parts.publisher.publishEncoded(event, options);
  }

  // ── requests and presence ───────────────────────────────────────────────────────────────────

  handle<K extends RequestName<R>>(name: K, handler: RequestHandler<RequestOf<R, K>, ResponseOf<R, K>>, options?: HandleOptions): Unsubscribe {
    return this.#parts.server.handle(name, handler, options);
  }

  // async: bad arguments reject like everything else that can go wrong with a request.
  async request<K extends RequestName<R>>(name: K, payload: RequestOf<R, K>, options?: RequestOptions): Promise<ResponseOf<R, K>> {
    if (this.#parts.lifecycle.refusing) throw new ClosedError();
    // The reply was decoded from bytes; the request map is the contract both sides compiled against.
    return (await this.#parts.requests.request(name, payload, options)) as ResponseOf<R, K>;
  }

  instances(): Promise<InstanceInfo[]> {
    return this.#parts.presence.instances();
  }

  onPresence(listener: (change: PresenceChange) => void): Unsubscribe {
    if (typeof listener !== 'function') throw new ConfigError('listener', 'expected a function.');
    return this.#parts.presence.listen(listener);
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────────

  start(): Promise<void> {
    if (this.#parts.lifecycle.shuttingDown) return Promise.reject(new ClosedError());
    this.#startPromise ??= this.#start();
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    const { lifecycle, status, transport, transportEvents, broadcast, groups, server, presence } = this.#parts;
    lifecycle.state = 'starting';
    status.set('connecting');
    try {
      await transport.start(transportEvents);
      // Consuming starts only now, after every handler registered before start() is known.
      await broadcast.ensure();
      await groups.startAll();
      await server.start();
      // Announced last: whoever hears of this instance can reach all of its handlers.
      await presence.start();
    } catch (caught) {
      const error = toError(caught);
      lifecycle.state = 'closed';
      presence.stop();
      await transport.close().catch(() => {});
      status.set('closed', error);
      throw error;
    }
    // close() may have begun while we were connecting; it owns the lifecycle from then on.
    if (lifecycle.state === 'starting') lifecycle.state = 'started';
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closePromise ??= this.#close(integer('timeoutMs', options.timeoutMs, DEFAULT_CLOSE_TIMEOUT_MS, { min: 0 }));
    return this.#closePromise;
  }

  async #close(timeoutMs: number): Promise<void> {
    const { lifecycle, status, transport, broadcast, groups, server, presence, work, requests, reporter } = this.#parts;
    const starting = this.#startPromise;
    // Still connecting: stop the attempts now rather than wait out the connect timeout.
    const connecting = lifecycle.state === 'starting' && status.status === 'connecting';
    lifecycle.state = 'draining';
    status.set('closing');
    if (connecting) await transport.close().catch(() => {});
    await starting?.catch(() => {});
    const deadline = AbortSignal.timeout(timeoutMs);
    // Goodbye first: the others stop counting on this instance while it drains.
    presence.stop();
    const cancels = [await broadcast.take(), ...(await groups.takeAll()), await server.take()];
    await Promise.allSettled(cancels.map((cancel) => cancel?.()));
    // Handlers that publish (a reply, a follow-up event) finish normally: publishing is refused
    // only once they are done.
    await work.idle(deadline);
    lifecycle.state = 'closing';
    // A bus that never started has no connection to flush through; its publishes are rejected.
    if (starting) await transport.flush(deadline).catch(() => {});
    await transport.close().catch((error: unknown) => reporter.report({ kind: 'transport', error: toError(error) }));
    requests.rejectAll(new ClosedError());
    lifecycle.state = 'closed';
    status.set('closed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ── insight ─────────────────────────────────────────────────────────────────────────────────

  health(): BusHealth {
    return this.#parts.status.health(this.#parts.transport.pending(), this.#parts.subscriptions.health());
  }

  stats(): BusStats {
    return { ...this.#parts.stats, events: this.#parts.metrics.snapshot() };
  }

  onStatus(listener: (change: StatusChange) => void): Unsubscribe {
    return this.#parts.status.listen(listener);
  }

  observe(observer: BusObserver): Observation {
    return observe(this.#parts, observer);
  }

  registerClass(cls: RegisterableClass, name?: string): void {
    if (typeof cls !== 'function') throw new ConfigError('class', 'expected a class.');
    const identifier = name ?? cls.name;
    if (!identifier) throw new ConfigError('name', 'an anonymous class needs a name: registerClass(cls, "Name").');
    this.#options.superjson.registerClass(cls, identifier);
  }
}

/**
 * Creates a bus. Options are checked here, synchronously: a bad one throws ConfigError naming it.
 * `E` maps event names to payloads; `R`, optional, maps request names to `{ request, response }`.
 *
 * @example
 * type Events = { 'user.created': { id: string; at: Date } };
 * type Requests = { 'user.get': { request: { id: string }; response: { id: string; email: string } } };
 * const bus = createBus<Events, Requests>({ service: 'users', transport: amqp({ url: process.env.AMQP_URL }) });
 * bus.on('user.created', async (user, meta) => console.log(user.id, 'from', meta.service));
 * bus.handle('user.get', async ({ id }) => ({ id, email: 'a@b.c' }));
 * await bus.start();
 * await bus.publish('user.created', { id: '1', at: new Date() });
 * const user = await bus.request('user.get', { id: '1' }, { timeoutMs: 2000 });
 *
 * @example
 * // With schemas (zod, valibot, arktype …) and no type argument, the event map is inferred from them.
 * const bus = createBus({ service: 'users', transport: memory(), schemas: { 'user.created': z.object({ id: z.string() }) } });
 */
export function createBus<S extends EventSchemas, R extends RequestShape<R> = RequestMap>(
  options: BusOptions & { schemas: S },
): Bus<InferEvents<S>, R, InferEventInputs<S>>;
export function createBus<E extends object = EventMap, R extends RequestShape<R> = RequestMap>(options: BusOptions): Bus<E, R>;
export function createBus(options: BusOptions): Bus<EventMap, RequestMap> {
  return new RemitBus<EventMap, RequestMap, EventMap>(normalizeBusOptions(options, randomInstanceId));
}
