import type { Channel, ConsumeMessage } from 'amqplib';
import { ConfigError, ConnectionError } from '../errors.js';
import type { Delivery, QueueSpec } from '../transport.js';
import type { AckBatcher } from './ack-batcher.js';
import { AmqpDelivery } from './amqp-delivery.js';

/** The channel deliveries arrive and are acknowledged on. */
export interface ConsumeChannel {
  channel: Channel;
  /** Acks of this channel's deliveries, sent in batches. */
  acks: AckBatcher;
}

export interface AmqpConsumersDeps {
  /** Declares and binds a queue before it is consumed. */
  declare(spec: QueueSpec): Promise<void>;
  /**
   * Whether a failed declare means the queue cannot be reached for now (its node is down): it is
   * then consumed again in the background, and the other queues and the connection carry on.
   */
  unavailable?(error: unknown): boolean;
  /** A consumer the broker cancelled, or could not start again (`fallback` describes a non-Error). */
  onError(error: unknown, fallback: string): void;
}

interface Subscription {
  spec: QueueSpec;
  prefetch: number;
  onDelivery(delivery: Delivery): void;
  /** Consumer on the current channel, if any. */
  consumerTag: string | null;
}

const RESUBSCRIBE_DELAY_MS = 1000;

/**
 * The queues the bus consumes, and their consumers on the current channel. Every queue is declared
 * and consumed again on each new channel (a reconnect), and again when the broker cancels its
 * consumer (the queue was deleted, its node went down).
 */
export class AmqpConsumers {
  readonly #deps: AmqpConsumersDeps;
  readonly #subscriptions = new Map<string, Subscription>();
  #live: ConsumeChannel | null = null;
  #closed = false;

  constructor(deps: AmqpConsumersDeps) {
    this.#deps = deps;
  }

  /** A new channel: consume every queue on it, then take new consumers there. */
  async attach(live: ConsumeChannel): Promise<void> {
    for (const subscription of this.#subscriptions.values()) {
      await this.#start(live, subscription).catch((error: unknown) => {
        // A queue the broker refuses as configured is left out, or every reconnect would fail on it.
        if (!(error instanceof ConfigError)) return this.#later(subscription, error);
        this.#subscriptions.delete(subscription.spec.name);
        this.#deps.onError(error, error.message);
      });
    }
    this.#live = live;
  }

  /** The channel is gone, and its consumers with it. */
  detach(): void {
    this.#live = null;
    for (const subscription of this.#subscriptions.values()) subscription.consumerTag = null;
  }

  /** Consumes a queue now (if connected) and on every new channel; resolves to a cancel function. */
  async add(spec: QueueSpec, prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<() => Promise<void>> {
    const subscription: Subscription = { spec, prefetch, onDelivery, consumerTag: null };
    this.#subscriptions.set(spec.name, subscription);
    const live = this.#live;
    if (live) {
      await this.#start(live, subscription).catch((error: unknown) => {
        // Refused as configured: never restored. Anything else is retried (see #later).
        if (!(error instanceof ConfigError)) return this.#later(subscription, error);
        if (this.#subscriptions.get(spec.name) === subscription) this.#subscriptions.delete(spec.name);
        throw error;
      });
    }
    return async () => {
      // A new consumer of the same queue may have replaced this one meanwhile; it stays.
      if (this.#subscriptions.get(spec.name) === subscription) this.#subscriptions.delete(spec.name);
      const tag = subscription.consumerTag;
      subscription.consumerTag = null;
      if (tag && live && this.#live === live) await live.channel.cancel(tag).catch(() => {});
    };
  }

  /** The subscription of a consumed queue, to change what is restored with it (a binding). */
  spec(queue: string): QueueSpec | undefined {
    return this.#subscriptions.get(queue)?.spec;
  }

  /** Replaces the spec a queue is declared with on the next channel. */
  respec(queue: string, spec: QueueSpec): void {
    const subscription = this.#subscriptions.get(queue);
    if (subscription) subscription.spec = spec;
  }

  /** Forgets every queue: the transport is closing. */
  close(): void {
    this.#closed = true;
    this.#subscriptions.clear();
  }

  async #start(live: ConsumeChannel, subscription: Subscription): Promise<void> {
    const { spec } = subscription;
    const { channel, acks } = live;
    await this.#deps.declare(spec);
    // Per-consumer prefetch: RabbitMQ 4.3 refuses global QoS.
    await channel.prefetch(subscription.prefetch, false);
    const { consumerTag } = await channel.consume(spec.name, (raw: ConsumeMessage | null) => {
      if (raw === null) this.#onServerCancel(subscription);
      else subscription.onDelivery(new AmqpDelivery(spec.name, raw, acks));
    });
    subscription.consumerTag = consumerTag;
  }

  /** A queue that cannot be reached now is consumed again in the background; any other failure is thrown. */
  #later(subscription: Subscription, error: unknown): void {
    if (!this.#deps.unavailable?.(error)) throw error;
    const { name } = subscription.spec;
    const why = `Queue "${name}" cannot be reached (${error instanceof Error ? error.message : 'unavailable'}); consuming it again every second, the other queues carry on.`;
    this.#deps.onError(new ConnectionError(why), why);
    this.#resubscribe(subscription);
  }

  /** Declares and consumes a subscription's queue again in a moment, and again until it works. */
  #resubscribe(subscription: Subscription): void {
    const { name } = subscription.spec;
    const retry = () => {
      const live = this.#live;
      if (this.#closed || !live || this.#subscriptions.get(name) !== subscription) return;
      this.#start(live, subscription).catch((error: unknown) => {
        this.#deps.onError(error, `Could not consume "${name}" again`);
        setTimeout(retry, RESUBSCRIBE_DELAY_MS).unref();
      });
    };
    setTimeout(retry, RESUBSCRIBE_DELAY_MS).unref();
  }

  /** The broker cancelled a consumer (its queue was deleted, a node went down): declare and consume again. */
  #onServerCancel(subscription: Subscription): void {
    subscription.consumerTag = null;
    const cancelled = `RabbitMQ cancelled the consumer of queue "${subscription.spec.name}"; consuming again.`;
    this.#deps.onError(new ConnectionError(cancelled), cancelled);
    this.#resubscribe(subscription);
  }
}
