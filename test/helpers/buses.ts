import { amqp, type Bus, type BusOptions, createBus, type EventMap } from '@remit/core';
import { AMQP_URL, deleteTopology, unique } from './broker.js';

/**
 * The name a group's queue is declared under for a bus on `exchange`: on a non-default events
 * exchange it carries the exchange (docs/wire-format.md, "Queues").
 */
export function groupQueue(group: string, exchange: string): string {
  return exchange === 'remit.events' ? `remit.group.${group}` : `remit.group.${group}@${exchange}`;
}

/** The exchanges of delayed retries a bus on `exchange` declares (docs/wire-format.md, "Delayed retries"). */
export function retryExchanges(exchange: string): string[] {
  return [`remit.retry@${exchange}`, `remit.delay@${exchange}`];
}

/**
 * Buses on a private exchange and dead-letter queue, so test files can run in parallel against
 * one broker. `cleanup()` closes every bus and deletes what the test declared.
 */
export class TestTopology {
  readonly exchange = unique('test.events');
  readonly deadLetter = unique('test.dead');
  readonly #buses: Bus<never>[] = [];
  readonly #queues: string[] = [];

  bus<E extends object = EventMap>(options: Partial<BusOptions> & { service: string }): Bus<E> {
    const bus = createBus<E>({
      transport: amqp({ url: AMQP_URL, exchange: this.exchange, deadLetter: this.deadLetter }),
      retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 },
      // Tests hear failures through onError; a passing run prints nothing.
      logger: false,
      ...options,
    });
    this.#buses.push(bus as unknown as Bus<never>);
    return bus;
  }

  /** A group name no other test uses; its quorum queue is deleted on cleanup. */
  group(prefix = 'test'): string {
    const group = unique(prefix);
    this.#queues.push(this.groupQueue(group));
    return group;
  }

  /** The queue of `group` on this topology's exchange. */
  groupQueue(group: string): string {
    return groupQueue(group, this.exchange);
  }

  /** Deletes this queue on cleanup too. */
  track(queue: string): string {
    this.#queues.push(queue);
    return queue;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#buses.splice(0).map((bus) => bus.close({ timeoutMs: 2000 })));
    await deleteTopology({ queues: [...this.#queues, this.deadLetter], exchanges: [this.exchange, this.deadLetter, ...retryExchanges(this.exchange)] });
  }
}
