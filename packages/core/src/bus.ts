import { randomUUID } from 'node:crypto';
import type { BroadcastConsumer } from './broadcast-consumer.js';
import type { Bus, PayloadMap } from './bus-api.js';
import { wireBus } from './bus-parts.js';
import type { RegisterableClass } from './codec.js';
import type { Dispatcher } from './dispatcher.js';
import { ClosedError, ConfigError } from './errors.js';
import type { EventPublisher } from './event-publisher.js';
import { HandlerRegistry, type HandlerEntry } from './handler-registry.js';
import { type BusOptions, type NormalizedBusOptions, normalizeBusOptions } from './options.js';
import { untilAborted } from './outgoing.js';
import { WorkTracker } from './work-tracker.js';
import type { Presence } from './presence.js';
import type { DeliveryReport, InstanceInfo, PresenceChange } from './presence-types.js';
import type { RequestClient } from './request-client.js';
import type { RequestServer } from './request-server.js';
import type { HandleOptions, RequestHandler, RequestMap, RequestName, RequestOf, RequestOptions, RequestShape, ResponseOf } from './request-types.js';
import { toError } from './retry.js';
import { EventMetrics } from './event-metrics.js';
import { emptyStats } from './stats.js';
import { StatusTracker } from './status-tracker.js';
import type { Subscriptions } from './subscriptions.js';
import type { Transport, TransportStatus } from './transport.js';
import type {
  AckPublishOptions,
  AnyEventHandler,
  BusHealth,
  BusStats,
  CloseOptions,
  EventHandler,
  EventMap,
  EventName,
  FailureReport,
  PublishOptions,
  StatusChange,
  SubscribeOptions,
  Unsubscribe,
} from './types.js';
import { integer } from './validate.js';
import type { EventSchemas, InferEventInputs, InferEvents } from './schema-types.js';

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * `draining`: close() has begun and running handlers are finishing; they (and anything else still
 * finishing its work, like an HTTP request in flight) may still publish. `closing`: handlers are
 * done, new publishes are refused, the outbox is flushed.
 */
type Lifecycle = 'idle' | 'starting' | 'started' | 'draining' | 'closing' | 'closed';

class RemitBus<E extends object, R extends RequestShape<R>, P extends PayloadMap<E>> implements Bus<E, R, P> {
  readonly service: string;
  readonly instanceId: string;
  readonly schemas: EventSchemas;
  readonly #options: NormalizedBusOptions;
  readonly #transport: Transport;
  readonly #registry = new HandlerRegistry();
  readonly #status = new StatusTracker();
  readonly #dispatcher: Dispatcher;
  /** Handler runs and other work close() lets finish. */
  readonly #work = new WorkTracker((error) => this.#report({ kind: 'transport', error }));
  readonly #subscriptions: Subscriptions;
  readonly #publisher: EventPublisher;
  readonly #requests: RequestClient;
  readonly #server: RequestServer;
  readonly #presence: Presence;
  readonly #broadcast: BroadcastConsumer;
  readonly #stats = emptyStats();
  readonly #metrics = new EventMetrics();
  #lifecycle: Lifecycle = 'idle';
  #startPromise: Promise<void> | null = null;
  #closePromise: Promise<void> | null = null;
  #everConnected = false;

  constructor(options: NormalizedBusOptions) {
    this.#options = options;
    this.service = options.service;
    this.instanceId = options.instanceId;
    this.schemas = options.schemas;
    this.#transport = options.transport.create({ service: options.service, instanceId: options.instanceId });
    const parts = wireBus(options, {
      transport: this.#transport,
      registry: this.#registry,
      stats: this.#stats,
      metrics: this.#metrics,
      consuming: () => this.#lifecycle === 'started' || this.#lifecycle === 'starting',
      started: () => this.#lifecycle === 'started',
      track: (work) => this.#work.track(work),
      report: (failure) => this.#report(failure),
    });
    this.#dispatcher = parts.dispatcher;
    this.#subscriptions = parts.subscriptions;
    this.#publisher = parts.publisher;
    this.#requests = parts.requests;
    this.#server = parts.server;
    this.#presence = parts.presence;
    this.#broadcast = parts.broadcast;
  }

  // ── events ──────────────────────────────────────────────────────────────────────────────────

  on<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions): Unsubscribe {
    return this.#subscriptions.add(name, handler, options, false);
  }

  once<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions): Unsubscribe {
    return this.#subscriptions.add(name, handler, options, true);
  }

  off<K extends EventName<E>>(name: K, handler?: EventHandler<E[K]>): void {
    this.#subscriptions.remove(name, handler as HandlerEntry['fn'] | undefined);
  }

  onAny(handler: AnyEventHandler<E>): Unsubscribe {
    // The registry stores handlers of any map; the names and payloads it passes back are this map's.
    return this.#subscriptions.addAny(handler, (name, payload, meta) => handler(name as EventName<E>, payload as E[EventName<E>], meta));
  }

  offAny(handler?: AnyEventHandler<E>): void {
    this.#subscriptions.removeAny(handler as HandlerEntry['fn'] | undefined);
  }

  publish<K extends EventName<E>>(name: K, payload: P[K], options: AckPublishOptions): Promise<DeliveryReport>;
  publish<K extends EventName<E>>(name: K, payload: P[K], options?: PublishOptions): Promise<void>;
  publish(name: string, payload: unknown, options: PublishOptions | AckPublishOptions = {}): Promise<DeliveryReport | void> {
    // Not async: the publisher's publish is, and a second wrapper would cost a promise per event.
    if (this.#lifecycle === 'closing' || this.#lifecycle === 'closed') return Promise.reject(new ClosedError());
    return this.#publisher.publish(name, payload, options);
  }

  // ── requests and presence ───────────────────────────────────────────────────────────────────

  handle<K extends RequestName<R>>(name: K, handler: RequestHandler<RequestOf<R, K>, ResponseOf<R, K>>, options?: HandleOptions): Unsubscribe {
    return this.#server.handle(name, handler, options);
  }

  // async: bad arguments reject like everything else that can go wrong with a request.
  async request<K extends RequestName<R>>(name: K, payload: RequestOf<R, K>, options?: RequestOptions): Promise<ResponseOf<R, K>> {
    if (this.#lifecycle === 'closing' || this.#lifecycle === 'closed') throw new ClosedError();
    // The reply was decoded from bytes; the request map is the contract both sides compiled against.
    return (await this.#requests.request(name, payload, options)) as ResponseOf<R, K>;
  }

  instances(): Promise<InstanceInfo[]> {
    return this.#presence.instances();
  }

  onPresence(listener: (change: PresenceChange) => void): Unsubscribe {
    if (typeof listener !== 'function') throw new ConfigError('listener', 'expected a function.');
    return this.#presence.listen(listener);
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────────

  start(): Promise<void> {
    if (this.#isShuttingDown()) return Promise.reject(new ClosedError());
    this.#startPromise ??= this.#start();
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    this.#lifecycle = 'starting';
    this.#status.set('connecting');
    const options = this.#options;
    try {
      await this.#transport.start({
        onStatus: (status, cause) => this.#onTransportStatus(status, cause),
        onError: (error) => {
          this.#status.recordError(error);
          this.#report({ kind: 'transport', error });
        },
        onReturn: (message, target) => {
          if (target === 'events') this.#publisher.onReturn(message);
          else if (target === 'requests') this.#requests.onReturned(message);
          // A returned reply, ack or presence answer: whoever it was for is gone.
        },
        onReply: (message) => this.#requests.onReply(message),
      });
      // Consuming starts only now, after every handler registered before start() is known.
      await this.#broadcast.ensure();
      await this.#subscriptions.startGroups();
      await this.#server.start();
      // Announced last: whoever hears of this instance can reach all of its handlers.
      await this.#presence.start();
    } catch (caught) {
      const error = toError(caught);
      this.#lifecycle = 'closed';
      this.#presence.stop();
      await this.#transport.close().catch(() => {});
      this.#status.set('closed', error);
      throw error;
    }
    // close() may have begun while we were connecting; it owns the lifecycle from then on.
    if (this.#lifecycle === 'starting') this.#lifecycle = 'started';
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closePromise ??= this.#close(integer('timeoutMs', options.timeoutMs, DEFAULT_CLOSE_TIMEOUT_MS, { min: 0 }));
    return this.#closePromise;
  }

  async #close(timeoutMs: number): Promise<void> {
    const starting = this.#startPromise;
    this.#lifecycle = 'draining';
    this.#status.set('closing');
    await starting?.catch(() => {});
    const deadline = AbortSignal.timeout(timeoutMs);
    // Goodbye first: the others stop counting on this instance while it drains.
    this.#presence.stop();
    const cancels = [await this.#broadcast.take(), ...(await this.#subscriptions.takeGroups()), await this.#server.take()];
    await Promise.allSettled(cancels.map((cancel) => cancel?.()));
    // Handlers that publish (a reply, a follow-up event) finish normally: publishing is refused
    // only once they are done.
    await untilAborted(this.#work.idle(), deadline);
    this.#lifecycle = 'closing';
    // A bus that never started has no connection to flush through; its publishes are rejected.
    if (starting) await this.#transport.flush(deadline).catch(() => {});
    await this.#transport.close().catch((error: unknown) => this.#report({ kind: 'transport', error: toError(error) }));
    this.#requests.rejectAll(new ClosedError());
    this.#lifecycle = 'closed';
    this.#status.set('closed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ── insight ─────────────────────────────────────────────────────────────────────────────────

  health(): BusHealth {
    return this.#status.health(this.#transport.pending());
  }

  stats(): BusStats {
    return { ...this.#stats, events: this.#metrics.snapshot() };
  }

  onStatus(listener: (change: StatusChange) => void): Unsubscribe {
    return this.#status.listen(listener);
  }

  registerClass(cls: RegisterableClass, name?: string): void {
    if (typeof cls !== 'function') throw new ConfigError('class', 'expected a class.');
    const identifier = name ?? cls.name;
    if (!identifier) throw new ConfigError('name', 'an anonymous class needs a name: registerClass(cls, "Name").');
    this.#options.superjson.registerClass(cls, identifier);
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────

  #onTransportStatus(status: TransportStatus, cause?: Error): void {
    if (status === 'disconnected') this.#requests.onDisconnect();
    if (status === 'connected') this.#requests.onConnected();
    if (this.#isShuttingDown()) {
      if (cause) this.#status.recordError(cause);
      return;
    }
    if (status === 'connected') {
      if (this.#everConnected) {
        this.#stats.reconnects++;
        // Missed heartbeats may have dropped this instance elsewhere, and others meanwhile: meet again.
        this.#presence.rejoin();
      }
      this.#everConnected = true;
    }
    this.#status.set(status, cause);
  }

  #isShuttingDown(): boolean {
    return this.#lifecycle === 'draining' || this.#lifecycle === 'closing' || this.#lifecycle === 'closed';
  }

  #report(failure: FailureReport): void {
    const onError = this.#options.onError;
    if (!onError) return;
    try {
      onError(failure);
    } catch {
      // onError is the last stop for failures; a bug in it must not take the consumer down.
    }
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
  return new RemitBus<EventMap, RequestMap, EventMap>(normalizeBusOptions(options, randomUUID));
}
