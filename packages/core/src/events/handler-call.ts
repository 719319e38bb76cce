import { toError } from '../errors.js';
import type { HandlerEntry } from './handler-registry.js';
import type { EventCounters } from '../metrics/event-metrics.js';
import type { DecodedEvent } from '../wire/envelope.js';
import { type AttemptResult, withRetry } from '../policies/retry.js';

/** A handler that still failed after its tries. `final`: not worth a delayed retry either. */
export interface HandlerFailure {
  handler: HandlerEntry;
  error: Error;
  /** Tries made in this delivery. */
  attempts: number;
  final: boolean;
}

/** How one handler's call for one event ended: null (succeeded), a failure, or `abandoned` (never run: the bus is closing). */
export type CallResult = HandlerFailure | 'abandoned' | null;

export interface CallHooks {
  /** A try of `handler` for the event `counters` count failed and will be retried in-process. */
  retrying(handler: HandlerEntry, event: string, counters: EventCounters, error: Error, attempt: number): void;
}

/**
 * Calls one handler for one event, through its policy: in its key's turn (orderBy), within its
 * concurrency limit, with its retries and exception filter, and records the outcome for its
 * circuit breaker. A handler without policies takes the short path: tries, nothing else.
 */
export function callHandler(handler: HandlerEntry, event: DecodedEvent, counters: EventCounters, hooks: CallHooks): CallResult | Promise<CallResult> {
  const { policy } = handler;
  // No promise of its own: a synchronous handler that succeeds is settled without one (retry.ts).
  if (policy.serializer === null && policy.limit === null && policy.breaker === null && policy.retry.retryIf === null) {
    return tries(handler, event, counters, hooks);
  }
  return withPolicy(handler, event, counters, hooks);
}

async function withPolicy(handler: HandlerEntry, event: DecodedEvent, counters: EventCounters, hooks: CallHooks): Promise<CallResult> {
  const { policy } = handler;
  if (policy.serializer !== null && policy.orderBy !== null) {
    let key: string;
    try {
      key = orderingKey(policy.orderBy(event.payload, event.meta), event.meta.key);
    } catch (caught) {
      // A key function that throws fails the event like a handler would, without a retry.
      return { handler, error: toError(caught), attempts: 1, final: true };
    }
    const serialized = await policy.serializer.run(key, () => limited(handler, event, counters, hooks));
    return serialized.ran ? serialized.value : 'abandoned';
  }
  return limited(handler, event, counters, hooks);
}

/** The event's ordering key: what orderBy says, else the publisher's `key`, else one key for all. */
function orderingKey(byHandler: unknown, byPublisher: string | undefined): string {
  if (byHandler !== undefined && byHandler !== null) return String(byHandler);
  return byPublisher ?? '';
}

async function limited(handler: HandlerEntry, event: DecodedEvent, counters: EventCounters, hooks: CallHooks): Promise<CallResult> {
  const { limit, breaker } = handler.policy;
  const result = await (limit ? limit.run(() => tries(handler, event, counters, hooks)) : tries(handler, event, counters, hooks));
  breaker?.record(result === null);
  return result;
}

function tries(handler: HandlerEntry, event: DecodedEvent, counters: EventCounters, hooks: CallHooks): CallResult | Promise<CallResult> {
  const { retry } = handler.policy;
  const base = event.meta.attempt - 1;
  const metaOf = (attempt: number) => (attempt === 1 ? event.meta : { ...event.meta, attempt: base + attempt });
  const retryIf = retry.retryIf;
  const result = withRetry(
    (attempt) => handler.run(event.payload, metaOf(attempt)),
    retry,
    (error, attempt) => hooks.retrying(handler, event.name, counters, error, base + attempt),
    counters,
    retryIf === null ? undefined : (error, attempt) => retryIf(error, metaOf(attempt)),
  );
  return result instanceof Promise ? result.then((settled) => outcome(handler, settled)) : outcome(handler, result);
}

function outcome(handler: HandlerEntry, result: AttemptResult): CallResult {
  return result.ok ? null : { handler, error: result.error, attempts: result.attempts, final: result.final };
}
