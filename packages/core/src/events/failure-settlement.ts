import type { FailureReporter } from '../failure-reporter.js';
import type { EventCounters } from '../metrics/event-metrics.js';
import type { HandlerFailure } from './handler-call.js';
import type { HandlingSpan } from '../tracing/tracing.js';
import type { Transport, WireMessage } from '../transport.js';
import type { BusStats } from '../bus-state.js';
import type { DecodedEvent } from '../wire/envelope.js';
import { retriesOf, toRetryCopy } from '../wire/retry-copy.js';
import type { DeadLetters } from './dead-letters.js';

/** How handling an event ended: handled, dead-lettered, sent to a delay queue, or kept for a redelivery. */
export type SettledOutcome = 'dead-lettered' | 'delayed' | 'kept';

/** The event whose handlers failed, and where it came from. */
export interface Handling {
  event: DecodedEvent;
  message: WireMessage;
  /** Where the event was consumed. */
  queue: string;
  /** Where a delayed retry goes: the same queue, but for this instance's local runs. */
  retryQueue: string;
  counters: EventCounters;
  span: HandlingSpan | undefined;
}

export interface FailureSettlementDeps {
  transport: Pick<Transport, 'publish'>;
  publishTimeoutMs: number;
  deadLetters: DeadLetters;
  stats: BusStats;
  reporter: FailureReporter;
}

/**
 * What becomes of an event whose handlers failed after their in-process tries: the ones with a
 * `retry.delays` entry left wait in a delay queue on the broker and come back to the same queue for
 * another round (only they run again); the rest go to the dead-letter queue. The message is acked
 * only once both are stored; if either cannot be, it is kept for a redelivery.
 */
export class FailureSettlement {
  readonly #deps: FailureSettlementDeps;

  constructor(deps: FailureSettlementDeps) {
    this.#deps = deps;
  }

  async settle(failures: HandlerFailure[], handling: Handling): Promise<SettledOutcome> {
    const deps = this.#deps;
    const { event, message, queue, retryQueue, counters, span } = handling;
    const round = retriesOf(message);
    const triedBefore = event.meta.attempt - 1;
    // Failures with a delay left, by delay: one copy per delay, naming the handlers it is for.
    const later = new Map<number, HandlerFailure[]>();
    const now: HandlerFailure[] = [];
    for (const failure of failures) {
      const delayMs = failure.final ? undefined : failure.handler.policy.retry.delays[round];
      if (delayMs === undefined) now.push(failure);
      else later.set(delayMs, [...(later.get(delayMs) ?? []), failure]);
    }
    let delayed = false;
    for (const [delayMs, group] of later) {
      const copy = toRetryCopy(message, {
        queue: retryQueue,
        handlers: group.map((failure) => failure.handler.label),
        attempt: triedBefore + Math.max(...group.map((failure) => failure.attempts)),
        retries: round + 1,
        delayMs,
      });
      try {
        await deps.transport.publish({ message: copy, target: 'delay', delayMs, timeoutMs: deps.publishTimeoutMs });
        delayed = true;
        for (const failure of group) this.#report(failure, event, triedBefore, delayMs, span, counters);
      } catch (caught) {
        // No delay queue took it: dead-lettered now rather than lost.
        deps.reporter.report({ kind: 'dead-letter', error: caught instanceof Error ? caught : new Error(String(caught)), event: event.name, id: event.meta.id });
        now.push(...group);
      }
    }
    if (delayed) {
      deps.stats.delayed++;
      counters.delayed++;
    }
    if (now.length === 0) return 'delayed';
    for (const failure of now) this.#report(failure, event, triedBefore, undefined, span, counters);
    const withDelays = now.find((failure) => failure.handler.policy.retry.delays.length > 0);
    const deadLettered = await deps.deadLetters.send(
      message,
      {
        // Every failure final (UnrecoverableError, retryIf false): dead-lettered without its tries.
        reason: now.every((failure) => failure.final) ? 'unrecoverable' : 'handler-failed',
        error: now.map((failure) => `${failure.handler.label}: ${failure.error.message}`).join('; '),
        handler: now.map((failure) => failure.handler.label).join(','),
        attempts: triedBefore + Math.max(...now.map((failure) => failure.attempts)),
        event: event.name,
        queue,
        ...(round > 0 && withDelays ? { delays: withDelays.handler.policy.retry.delays.slice(0, round).join(',') } : {}),
      },
      counters,
    );
    return deadLettered ? 'dead-lettered' : 'kept';
  }

  #report(
    failure: HandlerFailure,
    event: DecodedEvent,
    triedBefore: number,
    retryInMs: number | undefined,
    span: HandlingSpan | undefined,
    counters: EventCounters,
  ): void {
    const deps = this.#deps;
    // `failed` counts handlers that failed for good; one waiting for a delayed retry is `delayed`.
    if (retryInMs === undefined) {
      deps.stats.failed++;
      counters.failed++;
    }
    span?.recordFailure('handler-failed', failure.error);
    deps.reporter.report({
      kind: 'handler',
      error: failure.error,
      event: event.name,
      id: event.meta.id,
      handler: failure.handler.label,
      attempts: triedBefore + failure.attempts,
      ...(retryInMs === undefined ? {} : { retryInMs }),
    });
  }
}
