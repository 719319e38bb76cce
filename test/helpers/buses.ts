import { type AmqpOptions, amqp, type Bus, type BusOptions, createBus, type EventMap } from '@remit/core';
import { AMQP_URL, deleteTopology, unique } from './broker.js';

/**
 * The name a group's queue is declared under for a bus on `exchange`: on a non-default events
 * exchange it carries the exchange (docs/wire-format.md, "Queues").
 */
export function groupQueue(group: string, exchange: string): string {
  return exchange === 'remit.events' ? `remit.group.${group}` : `remit.group.${group}@${exchange}`;
}

/**
 * The suffix of the delayed-retry topology of a bus on `exchange` with dead-letter exchange
 * `deadLetter` (docs/wire-format.md, "Delayed retries").
 */
function retrySuffix(exchange: string, deadLetter: string): string {
  if (deadLetter !== 'remit.dead') return `@${exchange}:${deadLetter}`;
  return exchange === 'remit.events' ? '' : `@${exchange}`;
}

/** The exchanges of delayed retries such a bus declares. */
export function retryExchanges(exchange: string, deadLetter: string): string[] {
  const suffix = retrySuffix(exchange, deadLetter);
  return [`remit.retry${suffix}`, `remit.delay${suffix}`];
}

/** The delay queue of `ms` such a bus declares. */
export function delayQueueName(ms: number, exchange: string, deadLetter: string): string {
  return `remit.delay.${ms}${retrySuffix(exchange, deadLetter)}`;
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
  readonly #transport: Partial<AmqpOptions>;

  /** `transport`: more amqp() options for every bus, e.g. `{ routing: 'topic' }`. */
  constructor(transport: Partial<AmqpOptions> = {}) {
    this.#transport = transport;
  }

  bus<E extends object = EventMap>(options: Partial<BusOptions> & { service: string }): Bus<E> {
    const bus = createBus<E>({
      transport: amqp({ url: AMQP_URL, exchange: this.exchange, deadLetter: this.deadLetter, ...this.#transport }),
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
    await deleteTopology({ queues: [...this.#queues, this.deadLetter], exchanges: [this.exchange, this.deadLetter, ...retryExchanges(this.exchange, this.deadLetter)] });
  }
}
