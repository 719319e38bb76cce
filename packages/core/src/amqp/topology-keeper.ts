import type { Channel, ChannelModel } from 'amqplib';
import { ConfigError, RemitError } from '../errors.js';
import type { QueueSpec, WireMessage } from '../transport.js';
import { Header } from '../wire/headers.js';
import type { NormalizedAmqpOptions } from './amqp-options.js';
import { declareDelayQueue } from './delay-topology.js';
import { EventBindings } from './event-bindings.js';
import { declareDeadLetterQueue, declareExchanges, declareQueue } from './topology.js';
import { exchangeTypeMismatch, isHomeNodeDown, queueArgumentMismatch, TopologyChannel } from './topology-channel.js';

export interface TopologyKeeperDeps {
  options: NormalizedAmqpOptions;
  /** A warning or a failure that does not stop the transport (`fallback` describes a non-Error). */
  report(error: unknown, fallback: string): void;
}

const RETRY_DELAY_MS = 1000;

/**
 * Everything the transport declares, on a topology channel of each connection (topology-channel.ts):
 * the exchanges, the dead-letter queue, each consumed queue, and under topic routing the event
 * bindings of broadcast and group queues as handlers come and go (event-bindings.ts).
 *
 * A shared queue that remit declares quorum — dead letters, requests, a stable instance's broadcast
 * queue — and that exists as a classic queue (an older deployment) or with other arguments, is used
 * as it is, with one warning naming the migration. (Group queues were always quorum; a group queue
 * with other arguments fails as before.) The dead-letter queue on a node that is
 * down is declared again in the background, and reported; queues that consumers need are retried by
 * the consumers (see `isHomeNodeDown`).
 */
export class TopologyKeeper {
  readonly #deps: TopologyKeeperDeps;
  readonly #bindings = new EventBindings();
  /** Shared queues found to exist with another type: checked instead of declared from then on. */
  readonly #asIs = new Set<string>();
  /** Delays (ms) whose delay queues this transport uses: declared on every connection. */
  readonly #delays = new Set<number>();
  #channel: TopologyChannel | null = null;
  #retry: NodeJS.Timeout | null = null;

  constructor(deps: TopologyKeeperDeps) {
    this.#deps = deps;
  }

  /** A new connection: declares the exchanges and the dead-letter queue on a new topology channel. */
  async attach(model: ChannelModel): Promise<void> {
    this.detach();
    const channel = new TopologyChannel(model);
    this.#channel = channel;
    this.#bindings.reset();
    const { options } = this.#deps;
    await channel.run((raw) => declareExchanges(raw, options)).catch((error: unknown) => {
      throw exchangeError(error, options) ?? error;
    });
    await this.#declareDeadLetters(channel);
    for (const delayMs of this.#delays) await channel.run((raw) => declareDelayQueue(raw, delayMs, options));
  }

  /** The connection is gone, or the transport closes. */
  detach(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    const channel = this.#channel;
    this.#channel = null;
    void channel?.close();
  }

  /** Declares and binds a queue before it is consumed; throws what the broker refused. */
  declareQueue(spec: QueueSpec): Promise<void> {
    const channel = this.#channel;
    if (!channel) return Promise.reject(new Error(`Not connected: cannot declare queue "${spec.name}".`));
    const { options } = this.#deps;
    const routed = options.routing === 'topic' && (spec.kind === 'broadcast' || spec.kind === 'group');
    const declare = async (raw: Channel, asIs: boolean) => {
      // Read inside the operation: a want recorded while earlier operations ran is included.
      const keys = routed ? this.#bindings.wanted(spec.name) : undefined;
      await declareQueue(raw, spec, options, { asIs, ...(keys ? { keys } : {}) });
      if (keys) this.#bindings.declaredWith(spec.name, keys);
    };
    const madeQuorum = spec.kind === 'requests' || (spec.kind === 'broadcast' && spec.expiresMs !== null);
    return madeQuorum ? this.#shared(channel, spec.name, declare) : channel.run((raw) => declare(raw, false));
  }

  /**
   * Sets the event routing keys of a broadcast or group queue (topic routing): bound at once if the
   * queue is declared on this connection, else when it is. Resolves once the broker has them.
   */
  route(queue: string, keys: readonly string[]): Promise<void> {
    if (this.#deps.options.routing !== 'topic') return Promise.resolve();
    this.#bindings.want(queue, keys);
    const channel = this.#channel;
    if (!channel) return Promise.resolve();
    const { exchange } = this.#deps.options;
    return channel.run(async (raw) => {
      if (!this.#bindings.declared(queue)) return;
      const { add, remove } = this.#bindings.difference(queue);
      for (const key of add) {
        await raw.bindQueue(queue, exchange, key);
        this.#bindings.mark(queue, key, true);
      }
      for (const key of remove) {
        await raw.unbindQueue(queue, exchange, key);
        this.#bindings.mark(queue, key, false);
      }
    });
  }

  /** Whether the delay queue of `delayMs` was declared (it is, again, on every connection). */
  hasDelay(delayMs: number): boolean {
    return this.#delays.has(delayMs);
  }

  /** Declares the delay queue of `delayMs` the first time a retry uses that delay. */
  async declareDelay(delayMs: number): Promise<void> {
    this.#delays.add(delayMs);
    const channel = this.#channel;
    if (channel) await channel.run((raw) => declareDelayQueue(raw, delayMs, this.#deps.options));
  }

  /**
   * A dead letter or a delayed retry came back unroutable: someone deleted the dead-letter queue or
   * a delay queue. Declares it again, in the background, before the publish is retried.
   */
  redeclare(target: 'dead' | 'delay', message: WireMessage): void {
    const channel = this.#channel;
    if (!channel) return;
    const delayMs = Number(message.properties.headers[Header.delay]);
    const declared =
      target === 'delay' && Number.isInteger(delayMs) && delayMs > 0
        ? channel.run((raw) => declareDelayQueue(raw, delayMs, this.#deps.options))
        : this.#declareDeadLetters(channel);
    declared.catch((error: unknown) =>
      this.#deps.report(error, `Could not declare the ${target === 'delay' ? 'delay' : 'dead-letter'} queue`),
    );
  }

  /** The dead-letter queue: never fails the connection; a node that is down is waited for in the background. */
  async #declareDeadLetters(channel: TopologyChannel): Promise<void> {
    const { options } = this.#deps;
    try {
      await this.#shared(channel, options.deadLetter, (raw, asIs) => declareDeadLetterQueue(raw, options, asIs));
    } catch (error) {
      if (!isHomeNodeDown(error)) throw error;
      this.#deps.report(
        new RemitError(
          `The dead-letter queue "${options.deadLetter}" cannot be declared: it is a classic queue and its node is down. ` +
            'Consumers and publishes carry on; the queue is declared again every second, and dead letters sent meanwhile may be lost. ' +
            'Migrate it to a quorum queue so that no single node holds it (docs/scaling.md).',
          { cause: error },
        ),
        'dead-letter queue unavailable',
      );
      if (this.#retry) return;
      this.#retry = setTimeout(() => {
        this.#retry = null;
        if (this.#channel !== channel) return;
        this.#declareDeadLetters(channel).catch((caught: unknown) => this.#deps.report(caught, 'Could not declare the dead-letter queue'));
      }, RETRY_DELAY_MS);
      this.#retry.unref();
    }
  }

  /**
   * Declares a queue, and when it exists with other arguments (a classic queue where remit asks for
   * quorum), checks it and uses it as it is from then on, warning once.
   */
  async #shared(channel: TopologyChannel, queue: string, declare: (raw: Channel, asIs: boolean) => Promise<void>): Promise<void> {
    if (this.#asIs.has(queue)) return channel.run((raw) => declare(raw, true));
    try {
      await channel.run((raw) => declare(raw, false));
    } catch (error) {
      const mismatch = queueArgumentMismatch(error);
      if (!mismatch) throw error;
      this.#asIs.add(queue);
      this.#deps.report(
        new RemitError(
          `Queue "${queue}" exists with other arguments than remit declares (${mismatch.argument} differs): most likely a classic ` +
            'queue from an older deployment of remit, where remit now declares a quorum queue (or, for a request queue, one ' +
            "declared under another requestQueueType). It is used as it is. A classic " +
            'queue lives on one node: while that node is down it cannot be declared or consumed, and what it holds is out of ' +
            'reach. Migrate it to a quorum queue: docs/scaling.md, "Migrating classic queues".',
          { cause: error },
        ),
        'classic queue used as it is',
      );
      await channel.run((raw) => declare(raw, true));
    }
  }
}

/** The events exchange (or another) exists with another type: a ConfigError that says what to do. */
function exchangeError(error: unknown, options: NormalizedAmqpOptions): ConfigError | null {
  const mismatch = exchangeTypeMismatch(error);
  if (!mismatch) return null;
  const message = error instanceof Error ? error.message : '';
  if (!message.includes(`for exchange '${options.exchange}'`)) {
    return new ConfigError('transport', `an exchange exists with another type than remit declares it: ${message}`, { cause: error });
  }
  const advice =
    options.routing === 'topic'
      ? `An exchange cannot change type: to switch to topic routing, use another exchange name, e.g. amqp({ routing: 'topic', exchange: '${options.exchange}.topic' }), and move publishers and consumers to it (docs/scaling.md).`
      : `Set amqp({ routing: '${mismatch.current}' }) to use it, or use another exchange name.`;
  return new ConfigError(
    'transport.exchange',
    `exchange "${options.exchange}" exists as a ${mismatch.current} exchange, but this bus declares it ${options.routing}. ${advice}`,
    { cause: error },
  );
}
