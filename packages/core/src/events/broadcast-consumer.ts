import { toError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { WorkTracker } from '../lifecycle/work-tracker.js';
import { type ConsumeMode, consumePrefetch, QueueGate } from '../policies/queue-gate.js';
import type { QueueSpec, Transport } from '../transport.js';
import { DeliveryLimit } from './delivery-limit.js';
import type { Dispatcher, QueueRole } from './dispatcher.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { ObservedQueue } from '../observe/bus-activity.js';

type Cancel = () => Promise<void>;

/** The role of every broadcast delivery: one object, not one per message. */
const BROADCAST: QueueRole = { kind: 'broadcast' };

export interface BroadcastConsumerDeps {
  registry: HandlerRegistry;
  /** This instance's broadcast queue. */
  queue: Extract<QueueSpec, { kind: 'broadcast' }>;
  prefetch: number;
  /** Deliveries of the queue handled at once (the bus's `queueConcurrency`). */
  queueConcurrency: number;
  transport: Pick<Transport, 'consume'>;
  dispatcher: Pick<Dispatcher, 'dispatch'>;
  /** Keeps close() waiting for running handlers. */
  work: Pick<WorkTracker, 'track'>;
  reporter: FailureReporter;
}

/**
 * This instance's broadcast queue, consumed only once it has a broadcast handler (`on` without a
 * group, or `onAny`). An instance that only publishes, or only handles groups, then has no queue
 * bound to the exchange: the broker routes and delivers each event once less, and the instance
 * does not receive and acknowledge its own events. Measured with `pnpm bench` (1 publisher, 1
 * consumer): broker CPU per event 75 → 46 µs, events/s ×1.4. Its handlers' circuit breakers
 * pause and resume it through its gate.
 */
export class BroadcastConsumer {
  readonly #deps: BroadcastConsumerDeps;
  readonly #onStarted = new Set<() => void>();
  /** How the breakers of this queue's handlers want it consumed. */
  readonly gate: QueueGate;
  /** Its deliveries being handled at once, and those waiting for a slot. */
  readonly #limit: DeliveryLimit;
  /** The consumer now, or null while not consuming (not started, paused, closing). */
  #consumer: Promise<Cancel | null> | null = null;
  /** Whether this queue should be consumed (start() saw broadcast handlers, close() has not begun). */
  #wanted = false;
  #active = false;
  /** Mode changes, one after the other: a cancel must finish before the next consume. */
  #switching: Promise<void> = Promise.resolve();

  constructor(deps: BroadcastConsumerDeps) {
    this.#deps = deps;
    this.gate = new QueueGate((mode) => this.#switchTo(mode));
    this.#limit = new DeliveryLimit(deps.queueConcurrency, (delivery, role) => deps.dispatcher.dispatch(delivery, role));
  }

  /** Whether this instance receives broadcast events (announced in presence: acks are awaited only from these). */
  get active(): boolean {
    return this.#active;
  }

  /** Hears the consumer start late: after start(), when the first broadcast handler came. */
  onStarted(listener: () => void): void {
    this.#onStarted.add(listener);
  }

  /** Starts consuming if a broadcast handler exists and it has not started yet; idempotent. */
  ensure(): Promise<unknown> {
    if (this.#wanted || !this.#deps.registry.hasBroadcastHandlers()) return this.#consumer ?? Promise.resolve();
    this.#wanted = true;
    this.#active = true;
    if (this.gate.mode !== 'paused') this.#consumer = this.#consume(this.gate.mode);
    return this.#consumer ?? Promise.resolve();
  }

  /** The broadcast queue while it is consumed (or being set up), for `bus.observe()`'s receivers. */
  consuming(): ObservedQueue | null {
    return this.#consumer && { queue: this.#deps.queue.name, ready: this.#consumer };
  }

  /** A broadcast handler was added while consuming: consume now if not yet, and say so. */
  async late(): Promise<void> {
    if (this.#wanted) return;
    await this.ensure();
    if (!this.#active) return;
    for (const listener of this.#onStarted) listener();
  }

  /** Stops consuming; returns the cancel function for close() to await. */
  async take(): Promise<Cancel | null> {
    const consumer = this.#consumer;
    this.#consumer = null;
    this.#wanted = false;
    this.#active = false;
    this.#limit.close();
    return consumer ? await consumer : null;
  }

  #consume(mode: ConsumeMode): Promise<Cancel | null> {
    const { queue, prefetch, queueConcurrency, transport, work, reporter } = this.#deps;
    // One event at a time while a breaker probes; no waiting deliveries under a breaker (consumePrefetch).
    return transport
      .consume(queue, consumePrefetch(mode, this.gate, prefetch, queueConcurrency), (delivery) => work.track(this.#limit.run(delivery, BROADCAST)))
      .catch((caught: unknown) => {
        this.#active = false;
        this.#consumer = null;
        this.#wanted = false;
        reporter.report({ kind: 'transport', error: toError(caught) });
        return null;
      });
  }

  #switchTo(mode: ConsumeMode): void {
    this.#switching = this.#switching.then(async () => {
      if (!this.#wanted) return;
      const current = this.#consumer;
      this.#consumer = null;
      const cancel = current ? await current : null;
      await cancel?.().catch(() => {});
      if (this.#wanted && mode !== 'paused') this.#consumer = this.#consume(mode);
    });
  }
}
