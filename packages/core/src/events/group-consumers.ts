import { toError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { WorkTracker } from '../lifecycle/work-tracker.js';
import type { Transport } from '../transport.js';
import type { Dispatcher } from './dispatcher.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { ObservedQueue } from '../observe/bus-activity.js';

type Cancel = () => Promise<void>;

export interface GroupConsumersDeps {
  registry: HandlerRegistry;
  prefetch: number;
  /** Broker-side deliveries of one message before its group queue dead-letters it (`x-delivery-limit`). */
  deliveryLimit: number;
  transport: Pick<Transport, 'consume'>;
  dispatcher: Pick<Dispatcher, 'dispatch'>;
  /** Keeps close() waiting for running handlers. */
  work: Pick<WorkTracker, 'track'>;
  reporter: FailureReporter;
}

/** The durable queue a group's instances share. */
export function groupQueueName(group: string): string {
  return `remit.group.${group}`;
}

/**
 * One consumer per group this instance has handlers for: started when the first handler of a
 * group appears, cancelled when the last one leaves, so the group's other instances take over.
 */
export class GroupConsumers {
  readonly #deps: GroupConsumersDeps;
  readonly #consumers = new Map<string, Promise<Cancel | null>>();

  constructor(deps: GroupConsumersDeps) {
    this.#deps = deps;
  }

  /** Starts consuming the group's queue unless already done; idempotent. */
  ensure(group: string): Promise<unknown> {
    let consumer = this.#consumers.get(group);
    if (!consumer) {
      const { transport, prefetch, deliveryLimit, dispatcher, work } = this.#deps;
      const role = { kind: 'group', group } as const;
      consumer = transport
        .consume({ kind: 'group', name: groupQueueName(group), deliveryLimit }, prefetch, (delivery) =>
          work.track(dispatcher.dispatch(delivery, role)),
        )
        .catch((caught: unknown) => {
          this.#consumers.delete(group);
          this.#deps.reporter.report({ kind: 'transport', error: toError(caught) });
          return null;
        });
      this.#consumers.set(group, consumer);
    }
    return consumer;
  }

  /** The group queues consumed (or being set up), for `bus.observe()`'s receivers. */
  consuming(): ObservedQueue[] {
    return [...this.#consumers].map(([group, ready]) => ({ queue: groupQueueName(group), ready }));
  }

  /** Cancels the consumers of groups that have no handler left on this instance. */
  releaseIdle(): void {
    for (const [group, consumer] of this.#consumers) {
      if (this.#deps.registry.hasGroupHandlers(group)) continue;
      this.#consumers.delete(group);
      void consumer
        .then((cancel) => cancel?.())
        .catch((caught: unknown) => this.#deps.reporter.report({ kind: 'transport', error: toError(caught) }));
    }
  }

  /** Starts consuming every group that has handlers now; called by start(), after all handlers are known. */
  async startAll(): Promise<void> {
    await Promise.all(this.#deps.registry.groups().map((group) => this.ensure(group)));
  }

  /** Removes every consumer; returns their cancel functions for the caller to await. */
  async takeAll(): Promise<(Cancel | null)[]> {
    const cancels = await Promise.all(this.#consumers.values());
    this.#consumers.clear();
    return cancels;
  }
}
