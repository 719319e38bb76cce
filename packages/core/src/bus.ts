import { randomUUID } from 'node:crypto';
import { checkEventName, checkHeaders, groupName, handlerLabel } from './arguments.js';
import type { Bus } from './bus-api.js';
import type { RegisterableClass } from './codec.js';
import { jsonCodec } from './codec.js';
import { Dispatcher } from './dispatcher.js';
import { GroupConsumers } from './group-consumers.js';
import { type CodecLookup, fromWireMessage, toWireMessage } from './envelope.js';
import { ClosedError, ConfigError, PayloadTooLargeError, RemitError } from './errors.js';
import { HandlerRegistry, type HandlerEntry } from './handler-registry.js';
import { type BusOptions, type NormalizedBusOptions, normalizeBusOptions } from './options.js';
import { toError } from './retry.js';
import { StatusTracker } from './status-tracker.js';
import type { QueueSpec, Transport, TransportStatus } from './transport.js';
import type {
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
import { integer, rejectUnknownKeys, requireRecord } from './validate.js';

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * `draining`: close() has begun and running handlers are finishing; they (and anything else still
 * finishing its work, like an HTTP request in flight) may still publish. `closing`: handlers are
 * done, new publishes are refused, the outbox is flushed.
 */
type Lifecycle = 'idle' | 'starting' | 'started' | 'draining' | 'closing' | 'closed';

class RemitBus<E extends object> implements Bus<E> {
  readonly service: string;
  readonly instanceId: string;
  readonly #options: NormalizedBusOptions;
  readonly #transport: Transport;
  readonly #registry = new HandlerRegistry();
  readonly #status = new StatusTracker();
  readonly #dispatcher: Dispatcher;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #groups: GroupConsumers;
  readonly #stats: BusStats = {
    published: 0,
    confirmed: 0,
    received: 0,
    handled: 0,
    failed: 0,
    retried: 0,
    deadLettered: 0,
    duplicates: 0,
    unroutable: 0,
    reconnects: 0,
  };
  #lifecycle: Lifecycle = 'idle';
  #startPromise: Promise<void> | null = null;
  #closePromise: Promise<void> | null = null;
  #broadcastCancel: (() => Promise<void>) | null = null;
  #everConnected = false;

  constructor(options: NormalizedBusOptions) {
    this.#options = options;
    this.service = options.service;
    this.instanceId = options.instanceId;
    this.#transport = options.transport.create({ service: options.service, instanceId: options.instanceId });
    this.#dispatcher = new Dispatcher({
      instanceId: options.instanceId,
      registry: this.#registry,
      codecs: this.#codecLookup,
      maxPayloadBytes: options.maxPayloadBytes,
      retry: options.retry,
      dedupWindow: options.dedupWindow,
      stats: this.#stats,
      report: (failure) => this.#report(failure),
      deadLetter: (message) =>
        this.#transport.publish({ message, target: 'dead', timeoutMs: this.#options.publishTimeoutMs }),
    });
    this.#groups = new GroupConsumers({
      registry: this.#registry,
      consume: (group, onDelivery) =>
        this.#transport.consume(
          { kind: 'group', name: `remit.group.${group}`, deliveryLimit: options.groupDeliveryLimit },
          options.prefetch,
          onDelivery,
        ),
      onDelivery: (group, delivery) => this.#track(this.#dispatcher.dispatch(delivery, { kind: 'group', group })),
      onError: (error) => this.#report({ kind: 'transport', error }),
    });
  }

  // ── handlers ────────────────────────────────────────────────────────────────────────────────

  on<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions): Unsubscribe {
    return this.#subscribe(name, handler, options, false);
  }

  once<K extends EventName<E>>(name: K, handler: EventHandler<E[K]>, options?: SubscribeOptions): Unsubscribe {
    return this.#subscribe(name, handler, options, true);
  }

  off<K extends EventName<E>>(name: K, handler?: EventHandler<E[K]>): void {
    this.#registry.remove(name, handler as HandlerEntry['fn'] | undefined);
    if (this.#lifecycle === 'started') this.#groups.releaseIdle();
  }

  onAny(handler: AnyEventHandler<E>): Unsubscribe {
    if (typeof handler !== 'function') throw new ConfigError('handler', 'expected a function.');
    const entry: HandlerEntry = {
      fn: handler as HandlerEntry['fn'],
      label: handlerLabel(handler, 'onAny'),
      once: false,
      run: (payload, meta) => handler(meta.name as EventName<E>, payload as E[EventName<E>], meta),
    };
    return this.#registry.addAny(entry);
  }

  offAny(handler?: AnyEventHandler<E>): void {
    this.#registry.removeAny(handler as HandlerEntry['fn'] | undefined);
  }

  #subscribe(name: string, handler: EventHandler<never>, options: SubscribeOptions | undefined, once: boolean): Unsubscribe {
    checkEventName(name);
    if (typeof handler !== 'function') throw new ConfigError('handler', 'expected a function.');
    if (options !== undefined) rejectUnknownKeys('', requireRecord('options', options), ['group']);
    const group = groupName(this.service, options?.group);
    const entry: HandlerEntry = {
      fn: handler as HandlerEntry['fn'],
      label: handlerLabel(handler, `${name} handler`),
      once,
      run: (payload, meta) => handler(payload as never, meta),
    };
    if (group === null) return this.#registry.addBroadcast(name, entry);
    const remove = this.#registry.addGroup(group, name, entry);
    // #consumeGroup is idempotent, so a handler added while start() is running is not missed.
    if (this.#lifecycle === 'started' || this.#lifecycle === 'starting') void this.#groups.ensure(group);
    return () => {
      remove();
      if (this.#lifecycle === 'started') this.#groups.releaseIdle();
    };
  }

  // ── publishing ──────────────────────────────────────────────────────────────────────────────

  async publish<K extends EventName<E>>(name: K, payload: E[K], options: PublishOptions = {}): Promise<void> {
    if (this.#lifecycle === 'closing' || this.#lifecycle === 'closed') throw new ClosedError();
    checkEventName(name);
    rejectUnknownKeys('', requireRecord('options', options), ['local', 'headers', 'persistent']);
    const headers = checkHeaders(options.headers);
    const codec = this.#options.codec;
    let body: Buffer;
    try {
      body = codec.encode(payload);
    } catch (cause) {
      throw new RemitError(`The "${codec.name}" codec could not encode the payload of "${name}": ${toError(cause).message}`, {
        cause,
      });
    }
    if (body.length > this.#options.maxPayloadBytes) {
      throw new PayloadTooLargeError(name, body.length, this.#options.maxPayloadBytes);
    }
    const message = toWireMessage(
      { service: this.service, instanceId: this.instanceId },
      { name, body, codec: codec.name, headers, persistent: options.persistent ?? true },
    );
    this.#stats.published++;
    if (options.local !== false) this.#runLocal(name, message);
    await this.#transport.publish({ message, target: 'events', timeoutMs: this.#options.publishTimeoutMs });
    this.#stats.confirmed++;
  }

  /** This instance's broadcast handlers hear its own event at once, decoded like everyone else's copy. */
  #runLocal(name: string, message: ReturnType<typeof toWireMessage>): void {
    const handlers = this.#registry.takeBroadcast(name);
    if (handlers.length === 0) return;
    // Read back exactly as a remote instance would, so local handlers see the same payload and meta.
    const event = fromWireMessage(message, {
      codecs: this.#codecLookup,
      maxPayloadBytes: this.#options.maxPayloadBytes,
      redelivered: false,
    });
    this.#track(this.#dispatcher.run(handlers, event, message, `${this.service}:${this.instanceId}:local`));
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
    try {
      await this.#transport.start({
        onStatus: (status, cause) => this.#onTransportStatus(status, cause),
        onError: (error) => {
          this.#status.recordError(error);
          this.#report({ kind: 'transport', error });
        },
        onReturn: (message) => {
          this.#stats.unroutable++;
          const name = message.properties.type ?? message.routingKey;
          this.#report({
            kind: 'unroutable',
            error: new RemitError(`Event "${name}" reached no queue: no instance or group is listening, so RabbitMQ dropped it.`),
            event: name,
            ...(message.properties.messageId ? { id: message.properties.messageId } : {}),
          });
        },
      });
      this.#broadcastCancel = await this.#transport.consume(this.#broadcastQueue(), this.#options.prefetch, (delivery) =>
        this.#track(this.#dispatcher.dispatch(delivery, { kind: 'broadcast' })),
      );
      // Consuming starts only now, after every handler registered before start() is known.
      await Promise.all(this.#registry.groups().map((group) => this.#groups.ensure(group)));
    } catch (caught) {
      const error = toError(caught);
      this.#lifecycle = 'closed';
      await this.#transport.close().catch(() => {});
      this.#status.set('closed', error);
      throw error;
    }
    // close() may have begun while we were connecting; it owns the lifecycle from then on.
    if (this.#lifecycle === 'starting') this.#lifecycle = 'started';
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closePromise ??= this.#close(
      integer('timeoutMs', options.timeoutMs, DEFAULT_CLOSE_TIMEOUT_MS, { min: 0 }),
    );
    return this.#closePromise;
  }

  async #close(timeoutMs: number): Promise<void> {
    const starting = this.#startPromise;
    this.#lifecycle = 'draining';
    this.#status.set('closing');
    await starting?.catch(() => {});
    const deadline = AbortSignal.timeout(timeoutMs);
    const cancels = [this.#broadcastCancel, ...(await this.#groups.takeAll())];
    await Promise.allSettled(cancels.map((cancel) => cancel?.()));
    // Handlers that publish (a reply, a follow-up event) finish normally: publishing is refused
    // only once they are done.
    await untilAborted(Promise.allSettled([...this.#inflight]), deadline);
    this.#lifecycle = 'closing';
    // A bus that never started has no connection to flush through; its publishes are rejected.
    if (starting) await this.#transport.flush(deadline).catch(() => {});
    await this.#transport.close().catch((error: unknown) => this.#report({ kind: 'transport', error: toError(error) }));
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
    return { ...this.#stats };
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

  readonly #codecLookup: CodecLookup = (name) => {
    if (name === 'superjson') return this.#options.superjson;
    if (name === 'json') return jsonCodec;
    return name === this.#options.codec.name ? this.#options.codec : undefined;
  };

  #broadcastQueue(): QueueSpec {
    return {
      kind: 'broadcast',
      name: `remit.instance.${this.service}.${this.instanceId}`,
      expiresMs: this.#options.stableInstance ? this.#options.instanceQueueExpiresMs : null,
    };
  }

  #onTransportStatus(status: TransportStatus, cause?: Error): void {
    if (this.#isShuttingDown()) {
      if (cause) this.#status.recordError(cause);
      return;
    }
    if (status === 'connected') {
      if (this.#everConnected) this.#stats.reconnects++;
      this.#everConnected = true;
    }
    this.#status.set(status, cause);
  }

  #isShuttingDown(): boolean {
    return this.#lifecycle === 'draining' || this.#lifecycle === 'closing' || this.#lifecycle === 'closed';
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch((caught: unknown) => this.#report({ kind: 'transport', error: toError(caught) }));
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
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

function untilAborted(work: Promise<unknown>, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void work.finally(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(undefined);
    });
  });
}

/**
 * Creates a bus. Options are checked here, synchronously: a bad one throws ConfigError naming it.
 *
 * @example
 * type Events = { 'user.created': { id: string; at: Date } };
 * const bus = createBus<Events>({ service: 'billing', transport: amqp({ url: process.env.AMQP_URL }) });
 * bus.on('user.created', async (user, meta) => console.log(user.id, 'from', meta.service));
 * await bus.start();
 * await bus.publish('user.created', { id: '1', at: new Date() });
 */
export function createBus<E extends object = EventMap>(options: BusOptions): Bus<E> {
  return new RemitBus<E>(normalizeBusOptions(options, randomUUID));
}
