import type { EventMeta } from '../types.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import type { KeySerializer } from './key-serializer.js';
import type { NormalizedRetry } from './retry-options.js';

/**
 * What a handler does around each call: how it retries, how many runs at once, in which order,
 * and when it stops taking work. A handler without options shares its bus's plain policy, whose
 * null fields keep its calls on the dispatcher's fast path: a policy costs only its users.
 */
export interface HandlerPolicy {
  readonly retry: NormalizedRetry;
  readonly limit: ConcurrencyLimit | null;
  /** The key of an event for ordered handling; null: unordered. */
  readonly orderBy: ((payload: unknown, meta: EventMeta) => unknown) | null;
  /** Runs calls of one key one at a time; set with orderBy. */
  readonly serializer: KeySerializer | null;
  readonly breaker: CircuitBreaker | null;
}

/** The policy of a handler without options: the bus's retry, nothing else. */
export function plainPolicy(retry: NormalizedRetry): HandlerPolicy {
  return { retry, limit: null, orderBy: null, serializer: null, breaker: null };
}
