import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message } from 'amqplib';
import { ClosedError, ConfigError, ConnectionError, RemitError } from '../errors.js';
import {
  type Delivery,
  type PublishRequest,
  type QueueSpec,
  type QueueRef,
  REPLY_TO,
  type SendTarget,
  type Transport,
  type TransportContext,
  type TransportHooks,
  type WireMessage,
} from '../transport.js';
import { AckBatcher } from './ack-batcher.js';
import { AmqpConsumers } from './amqp-consumers.js';
import {
  connectionUrls,
  type NormalizedAmqpOptions,
  redact,
  type Routing,
  socketOptions,
} from './amqp-options.js';
import { closeChannels } from './closing.js';
import { coalesceWrites } from './coalesce-writes.js';
import { ConnectionLoop } from './connection-loop.js';
import { fromConsumeMessage, toPublishOptions } from './message-properties.js';
import { Outbox } from './outbox.js';
import { publishChannel } from './publish-channel.js';
import { attemptError, startError, UNGUARDED } from './connect-errors.js';
import { retryNames } from './delay-topology.js';
import { isHomeNodeDown } from './topology-channel.js';
import { TopologyKeeper } from './topology-keeper.js';

/** The channels of the current connection. */
interface LiveChannels {
  model: ChannelModel;
  /** Confirmed publishes: events and dead letters, through the outbox. */
  publish: ConfirmChannel;
  /** Deliveries and their acks; requests, replies, presence and acks are sent here too. */
  consume: Channel;
  acks: AckBatcher;
}

/**
 * RabbitMQ through amqplib. The connection loop reconnects (backoff, jitter, URL failover) and runs
 * `#setup` on every new connection; the transport adds what only it knows: the exchanges, the
 * consumers to restore (AmqpConsumers), the outbox of unconfirmed publishes, and sends.
 */
export class AmqpTransport implements Transport {
  readonly #options: NormalizedAmqpOptions;
  readonly #context: TransportContext;
  readonly #outbox: Outbox;
  readonly #consumers: AmqpConsumers;
  readonly #topology: TopologyKeeper;
  #hooks: TransportHooks | null = null;
  #connection: ConnectionLoop | null = null;
  #live: LiveChannels | null = null;
  #closing = false;

  /** Whether the header-decoding guard (safe-headers.ts) is on for this amqplib. */
  readonly #guarded: boolean;

  constructor(options: NormalizedAmqpOptions, context: TransportContext, guarded: boolean) {
    this.#options = options;
    this.#context = context;
    this.#guarded = guarded;
    this.#outbox = new Outbox(options.outbox);
    this.#topology = new TopologyKeeper({ options, report: (error, fallback) => this.#report(error, fallback) });
    this.#consumers = new AmqpConsumers({
      // Declared on the topology channel, not the consume channel it is given: a refused declare
      // then closes no channel that consumers or publishes live on (topology-channel.ts).
      declare: (spec) => this.#topology.declareQueue(spec),
      unavailable: isHomeNodeDown,
      onError: (error, fallback) => this.#report(error, fallback),
    });
  }

  get routing(): Routing {
    return this.#options.routing;
  }

  async start(hooks: TransportHooks): Promise<void> {
    if (this.#closing) throw new ClosedError('The AMQP transport');
    this.#hooks = hooks;
    this.#outbox.start();
    if (!this.#guarded) hooks.onError(UNGUARDED);
    hooks.onStatus('connecting');
    const options = this.#options;
    const connection = new ConnectionLoop({
      urls: connectionUrls(options),
      socketOptions: socketOptions(options, this.#context),
      initialDelayMs: options.reconnect.initialDelayMs,
      maxDelayMs: options.reconnect.maxDelayMs,
      setup: (model) => this.#setup(model),
    });
    this.#connection = connection;
    const attempts = this.#listen(connection, hooks);
    connection.start();
    const timeout = AbortSignal.timeout(options.connectTimeoutMs);
    try {
      await Promise.race([
        connection.waitForConnect(),
        new Promise((_, reject) => timeout.addEventListener('abort', () => reject(timeout.reason), { once: true })),
      ]);
    } catch (cause) {
      await connection.close().catch(() => {});
      this.#connection = null;
      // close() while still connecting: the attempts stop at once, and start() says why.
      if (this.#closing) throw new ClosedError();
      // The broker's topology contradicts the options (an exchange of another type): retrying cannot help.
      if (cause instanceof ConfigError) throw cause;
      throw startError(cause, attempts.lastError, options, (error) => this.#safe(error, 'connect failed'));
    }
  }

  /** What the connection loop reports, turned into outbox, consumer and bus state; returns the last failed attempt. */
  #listen(connection: ConnectionLoop, hooks: TransportHooks): { lastError: Error | null } {
    const options = this.#options;
    const attempts: { lastError: Error | null } = { lastError: null };
    connection.on('connect', () => {
      const live = this.#live;
      if (!live) return;
      this.#outbox.attach(
        publishChannel(live.publish, {
          exchange: options.exchange,
          deadLetter: options.deadLetter,
          delayExchange: retryNames(options).delay,
          safe: (error, fallback) => this.#safe(error, fallback),
          onReturned: (target, message) => {
            if (target === 'events') hooks.onReturn(message, target);
            // Someone deleted the dead-letter or a delay queue: declare it again before the retry.
            else this.#topology.redeclare(target, message);
          },
        }),
      );
      hooks.onStatus('connected');
    });
    connection.on('disconnect', (error: Error) => {
      this.#live = null;
      this.#outbox.detach();
      this.#consumers.detach();
      this.#topology.detach();
      if (!this.#closing) hooks.onStatus('disconnected', this.#safe(error, 'Lost the connection to RabbitMQ'));
    });
    connection.on('connect-failed', (error: Error, urlIndex: number) => {
      attempts.lastError = this.#safe(attemptError(error, options.urls[urlIndex] ?? ''), 'Could not connect to RabbitMQ');
      hooks.onError(attempts.lastError);
    });
    connection.on('error', (error: Error) => hooks.onError(this.#safe(error, 'RabbitMQ connection error')));
    connection.on('blocked', (reason: string) => {
      this.#outbox.pause();
      hooks.onError(new ConnectionError(`RabbitMQ blocked publishing (${reason}); publishes wait in the outbox.`));
    });
    connection.on('unblocked', () => this.#outbox.resume());
    return attempts;
  }

  /** Runs on every (re)connection, before amqplib announces it: channels, topology, consumers. */
  async #setup(model: ChannelModel): Promise<void> {
    coalesceWrites(model);
    const publish = await model.createConfirmChannel();
    const consume = await model.createChannel();
    const acks = new AckBatcher(consume);
    consume.once('close', () => acks.close());
    const live: LiveChannels = { model, publish, consume, acks };
    for (const channel of [publish, consume]) {
      channel.on('error', (error: Error) => this.#hooks?.onError(this.#safe(error, 'RabbitMQ channel error')));
      // A channel closed under a live connection (a failed declare, an ack of an unknown tag) leaves
      // consumers and confirms in an unknown state. Recycling the connection lets the connection
      // loop rebuild everything through #setup, the one code path that is known to restore all of it.
      channel.on('close', () => {
        if (this.#closing || this.#live !== live) return;
        void model.close().catch(() => {});
      });
    }
    await this.#topology.attach(model);
    // Requests, replies, presence and acks go out on the consume channel (see send()). Direct
    // reply-to brings replies back to the channel that sent the request, so the reply consumer
    // lives there too, made again with every new channel.
    await consume.consume(
      REPLY_TO,
      (raw: ConsumeMessage | null) => {
        if (raw) this.#hooks?.onReply(fromConsumeMessage(raw));
      },
      { noAck: true },
    );
    consume.on('return', (raw: Message) => this.#hooks?.onReturn(fromConsumeMessage(raw), this.#sendTarget(raw.fields.exchange)));
    await this.#consumers.attach({ channel: consume, acks });
    this.#live = live;
  }

  publish(request: PublishRequest): Promise<void> {
    const { delayMs } = request;
    // A delay queue is declared the first time its delay is used (and again on every connection).
    if (delayMs !== undefined && !this.#topology.hasDelay(delayMs)) {
      return this.#topology.declareDelay(delayMs).then(() => this.#outbox.enqueue(request));
    }
    // Not async: enqueue never throws (it rejects), and a wrapper would cost a promise per publish.
    return this.#outbox.enqueue(request);
  }

  /**
   * Writes on the consume channel, unconfirmed. The channel that acknowledges deliveries sends
   * in order with those acks, so a reply written before its request's ack reaches the broker
   * first: an ack never arrives without the reply it vouches for.
   */
  send(message: WireMessage, target: SendTarget): boolean {
    const live = this.#live;
    if (!live || this.#closing) return false;
    const options = this.#options;
    const exchange = target === 'requests' ? options.requestExchange : target === 'presence' ? options.presenceExchange : '';
    try {
      // Backpressure is not awaited: what is sent here is bounded by requests in flight and prefetch.
      live.consume.publish(exchange, message.routingKey, message.body, toPublishOptions(message));
      return true;
    } catch {
      // amqplib throws when the channel is already closing; the connection loop is replacing it.
      return false;
    }
  }

  #sendTarget(exchange: string): SendTarget {
    if (exchange === this.#options.requestExchange) return 'requests';
    return exchange === this.#options.presenceExchange ? 'presence' : 'direct';
  }

  async bind(queue: string, routingKey: string): Promise<void> {
    if (this.#closing) throw new ClosedError('The AMQP transport');
    const spec = this.#consumers.spec(queue);
    if (!spec || spec.kind !== 'requests') throw new Error(`No request queue "${queue}" is consumed.`);
    // Kept in the spec, so the binding is restored with the queue after a reconnect.
    this.#consumers.respec(queue, { ...spec, routingKeys: [...spec.routingKeys, routingKey] });
    await this.#live?.consume.bindQueue(queue, this.#options.requestExchange, routingKey);
  }

  route(queue: QueueRef, keys: readonly string[]): Promise<void> {
    if (this.#closing) return Promise.resolve();
    return this.#topology.route(queue.name, keys);
  }

  consume(spec: QueueSpec, prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<() => Promise<void>> {
    if (this.#closing) return Promise.reject(new ClosedError('The AMQP transport'));
    return this.#consumers.add(spec, prefetch, onDelivery);
  }

  pending(): number {
    return this.#outbox.size;
  }

  flush(signal: AbortSignal): Promise<void> {
    return this.#outbox.flush(signal);
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#outbox.close();
    this.#consumers.close();
    this.#topology.detach();
    const connection = this.#connection;
    const live = this.#live;
    this.#connection = null;
    this.#live = null;
    // Close the channels first: an ack still in amqplib's write buffer is lost when the connection
    // closes right behind it (measured: the message stays in its queue), while a channel.close is
    // queued after the channel's own acks. Unacknowledged deliveries go back to their queues.
    live?.acks.flush();
    if (live) await closeChannels(live.model, [live.consume, live.publish]);
    await connection?.close().catch(() => {});
  }

  /** A failure that does not stop the transport; remit's own warnings pass as they are (they hold no URL). */
  #report(error: unknown, fallback: string): void {
    this.#hooks?.onError(error instanceof RemitError && !(error instanceof ConnectionError) ? error : this.#safe(error, fallback));
  }

  /** An Error whose message never holds the URL's password. */
  #safe(error: unknown, fallback: string): Error {
    const message = error instanceof Error ? error.message : fallback;
    return new ConnectionError(redact(message, this.#options.secrets));
  }
}
