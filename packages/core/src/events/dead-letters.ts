import { MessageEncodingError, toError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { EventCounters } from '../metrics/event-metrics.js';
import type { Transport, WireMessage } from '../transport.js';
import type { Observers } from '../observe/observers.js';
import type { BusStats } from '../bus-state.js';
import { type DeadLetterDetails, toDeadLetter } from '../wire/dead-letter.js';
import { eventMeta } from '../wire/envelope.js';

export interface DeadLettersDeps {
  /** Written to `remit-dead-by`. */
  instanceId: string;
  transport: Pick<Transport, 'publish'>;
  publishTimeoutMs: number;
  stats: BusStats;
  reporter: FailureReporter;
  observers: Observers;
}

/**
 * Moves a message to the dead-letter exchange, with headers saying why, and waits for the broker's
 * confirm. The caller acks the original only once this resolved true; on false (the dead letter
 * could not be stored) it keeps the message, so nothing is dropped silently.
 */
export class DeadLetters {
  readonly #deps: DeadLettersDeps;

  constructor(deps: DeadLettersDeps) {
    this.#deps = deps;
  }

  async send(message: WireMessage, details: Omit<DeadLetterDetails, 'deadBy'>, counters: EventCounters): Promise<boolean> {
    const deps = this.#deps;
    const full = { ...details, deadBy: deps.instanceId };
    try {
      try {
        await deps.transport.publish({ message: toDeadLetter(message, full), target: 'dead', timeoutMs: deps.publishTimeoutMs });
      } catch (caught) {
        // Its original headers could not be encoded (a table over amqplib's 64 KiB): the dead
        // letter goes without them, saying so, rather than staying in its queue forever.
        if (!(caught instanceof MessageEncodingError)) throw caught;
        await deps.transport.publish({ message: toDeadLetter(message, full, false), target: 'dead', timeoutMs: deps.publishTimeoutMs });
      }
      deps.stats.deadLettered++;
      counters.deadLettered++;
      if (deps.observers.active) {
        const meta = eventMeta(message, false);
        const { reason, error, queue, handler } = details;
        deps.observers.emit({ kind: 'dead-letter', name: meta.name, meta, reason, error, queue, handler });
      }
      return true;
    } catch (caught) {
      deps.reporter.report({ kind: 'dead-letter', error: toError(caught), event: details.event ?? message.routingKey });
      return false;
    }
  }
}
