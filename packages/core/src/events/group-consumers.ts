import { ConfigError, toError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { WorkTracker } from '../lifecycle/work-tracker.js';
import { type ConsumeMode, consumePrefetch, QueueGate } from '../policies/queue-gate.js';
import type { Transport } from '../transport.js';
import { DeliveryLimit } from './delivery-limit.js';
import type { Dispatcher } from './dispatcher.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { ObservedQueue } from '../observe/bus-activity.js';

type Cancel = () => Promise<void>;

export interface GroupConsumersDeps {
  registry: HandlerRegistry;
  prefetch: number;
  /** Deliveries of one queue handled at once (the bus's `queueConcurrency`). */
  queueConcurrency: number;
  /** Broker-side deliveries of one message before its group queue dead-letters it (`x-delivery-limit`). */
  deliveryLimit: number;
  /** The transport's namespace for shared queue names. */
  namespace?: string | undefined;
  transport: Pick<Transport, 'consume'>;
  dispatcher: Pick<Dispatcher, 'dispatch'>;
  /** Keeps close() waiting for running handlers. */
  work: Pick<WorkTracker, 'track'>;
  reporter: FailureReporter;
}

/**
 * The durable queue a group's instances share: `remit.group.<group>`, and `@<namespace>` on a
 * transport that has one (an events exchange other than the default), so two systems sharing a
 * broker never share a group queue by accident.
 */
export function groupQueueName(group: string, namespace?: string): string {
  return namespace === undefined ? `remit.group.${group}` : `remit.group.${group}@${namespace}`;
}

interface GroupState {
  /** Its deliveries' role; `released` once close() lets an ordered group go. */
  readonly role: { kind: 'group'; group: string; released?: boolean };
  readonly gate: QueueGate;
  /** Its deliveries being handled at once, and those waiting for a slot. */
  readonly limit: DeliveryLimit;
  /** The consumer now, or null while not consuming (not started, paused, idle). */
  consumer: Promise<Cancel | null> | null;
  wanted: boolean;
  /** Whether its queue was declared single-active-consumer (an `orderBy` handler when it started). */
  ordered: boolean;
  /** A declare the broker refused because the queue exists with other arguments: start() fails with it. */
  refused: ConfigError | null;
  switching: Promise<void>;
}

/**
 * One consumer per group this instance has handlers for: started when the first handler of a
 * group appears, cancelled when the last one leaves, so the group's other instances take over. A
 * group with an `orderBy` handler has a single-active-consumer queue. Circuit breakers of a group's
 * handlers pause and resume its consumer through the group's gate.
 */
export class GroupConsumers {
  readonly #deps: GroupConsumersDeps;
  readonly #groups = new Map<string, GroupState>();

  constructor(deps: GroupConsumersDeps) {
    this.#deps = deps;
  }

  /** How the breakers of `group`'s handlers want its queue consumed. */
  gate(group: string): QueueGate {
    return this.#state(group).gate;
  }

  /** Whether this instance consumes `group` now from a queue declared without order. */
  consumedUnordered(group: string): boolean {
    const state = this.#groups.get(group);
    return state !== undefined && state.wanted && !state.ordered;
  }

  /** Starts consuming the group's queue unless already done; idempotent. Never rejects: failures are reported. */
  ensure(group: string): Promise<unknown> {
    const state = this.#state(group);
    if (state.wanted) return state.consumer ?? Promise.resolve();
    state.wanted = true;
    state.ordered = this.#deps.registry.groupEntries(group).some((entry) => entry.policy.orderBy !== null);
    if (state.gate.mode !== 'paused') state.consumer = this.#consume(group, state, state.gate.mode);
    return state.consumer ?? Promise.resolve();
  }

  /** The group queues consumed (or being set up), for `bus.observe()`'s receivers. */
  consuming(): ObservedQueue[] {
    const consumed: ObservedQueue[] = [];
    for (const [group, state] of this.#groups) {
      if (state.consumer) consumed.push({ queue: groupQueueName(group, this.#deps.namespace), ready: state.consumer });
    }
    return consumed;
  }

  /** Cancels the consumers of groups that have no handler left on this instance. */
  releaseIdle(): void {
    for (const [group, state] of this.#groups) {
      if (!state.wanted || this.#deps.registry.hasGroupHandlers(group)) continue;
      state.wanted = false;
      const consumer = state.consumer;
      state.consumer = null;
      void consumer
        ?.then((cancel) => cancel?.())
        .catch((caught: unknown) => this.#deps.reporter.report({ kind: 'transport', error: toError(caught) }));
    }
  }

  /**
   * Consumes every group that has handlers now; called by start(), after all handlers are known.
   * Rejects with the ConfigError of a group whose queue exists with other arguments.
   */
  async startAll(): Promise<void> {
    const groups = this.#deps.registry.groups();
    await Promise.all(groups.map((group) => this.ensure(group)));
    for (const group of groups) {
      const refused = this.#groups.get(group)?.refused;
      if (refused) throw refused;
    }
  }

  /**
   * Stops every consumer; returns their cancel functions for the caller to await. An ordered group's
   * consumer is not cancelled: its handlers finish what they run, start nothing more, and the rest
   * stays unacknowledged, for the broker to hand, in order, to the instance that takes over when
   * this one's channel closes. (A cancel would let that instance start on later events at once.)
   */
  async takeAll(): Promise<(Cancel | null)[]> {
    const cancels: Array<Cancel | null> = [];
    for (const [group, state] of this.#groups) {
      state.wanted = false;
      const consumer = state.consumer;
      state.consumer = null;
      state.limit.close();
      if (state.ordered) {
        state.role.released = true;
        for (const entry of this.#deps.registry.groupEntries(group)) entry.policy.serializer?.release();
        continue;
      }
      cancels.push(consumer ? await consumer : null);
    }
    return cancels;
  }

  #state(group: string): GroupState {
    let state = this.#groups.get(group);
    if (!state) {
      const created: GroupState = {
        role: { kind: 'group', group },
        gate: new QueueGate((mode) => this.#switchTo(group, created, mode)),
        limit: new DeliveryLimit(this.#deps.queueConcurrency, (delivery, role) => this.#deps.dispatcher.dispatch(delivery, role)),
        consumer: null,
        wanted: false,
        ordered: false,
        refused: null,
        switching: Promise.resolve(),
      };
      this.#groups.set(group, (state = created));
    }
    return state;
  }

  #consume(group: string, state: GroupState, mode: ConsumeMode): Promise<Cancel | null> {
    const { transport, prefetch, queueConcurrency, deliveryLimit, work } = this.#deps;
    const spec = { kind: 'group', name: groupQueueName(group, this.#deps.namespace), deliveryLimit, singleActiveConsumer: state.ordered } as const;
    // One event at a time while a breaker probes; no waiting deliveries under a breaker (consumePrefetch).
    return transport
      .consume(spec, consumePrefetch(mode, state.gate, prefetch, queueConcurrency), (delivery) => work.track(state.limit.run(delivery, state.role)))
      .catch((caught: unknown) => {
        state.consumer = null;
        state.wanted = false;
        const error = toError(caught);
        if (error instanceof ConfigError) state.refused = error;
        this.#deps.reporter.report({ kind: 'transport', error });
        return null;
      });
  }

  #switchTo(group: string, state: GroupState, mode: ConsumeMode): void {
    state.switching = state.switching.then(async () => {
      if (!state.wanted) return;
      const current = state.consumer;
      state.consumer = null;
      const cancel = current ? await current : null;
      await cancel?.().catch(() => {});
      if (state.wanted && mode !== 'paused') state.consumer = this.#consume(group, state, mode);
    });
  }
}
