import { groupName, rejectUnknownKeys, requireRecord } from '../config-checks.js';
import { ConfigError } from '../errors.js';
import { type CircuitBreakerOptions, type NormalizedCircuitBreaker, normalizeCircuitBreaker } from '../policies/circuit-breaker.js';
import { type NormalizedRetry, normalizeRetry, type RetryOptions } from '../policies/retry-options.js';
import type { EventMeta } from '../types.js';

/** How a handler receives events, and what it does when they fail (docs/policies.md). */
export interface SubscribeOptions<P = unknown> {
  /**
   * Competing delivery: `true` joins the group named after the service, a string names the group.
   * Each event is then handled by one instance of the group, from a durable queue that keeps
   * events while the whole group is down.
   * @default false (broadcast: every instance handles every event)
   */
  group?: boolean | string;
  /**
   * The handler's name in dead letters, metrics, logs and delayed retries; keep it stable across
   * deploys when the handler uses `retry.delays`.
   * @default the function's name (`#2`, `#3` … added when an event has several of one name)
   */
  name?: string;
  /** Overrides the bus's `retry` for this handler. */
  retry?: RetryOptions;
  /**
   * At most this many runs of the handler at once in this instance (the queue's prefetch stays the
   * bound of what waits).
   * @default no limit beyond prefetch
   */
  concurrency?: number;
  /**
   * Group handlers only: events of the same key are handled one at a time, in queue order; other
   * keys in parallel. The group's queue becomes single-active-consumer: one instance of the group
   * consumes it, another takes over when it dies or closes. Not with `retry.delays`.
   * @default unordered (a publisher's `key` is then ignored)
   */
  orderBy?: (payload: P, meta: EventMeta) => string | number;
  /** Pause this handler's queue while its calls keep failing (docs/policies.md). */
  circuitBreaker?: CircuitBreakerOptions;
}

/** A handler's options, checked, with the bus's defaults applied. */
export interface NormalizedSubscribeOptions {
  group: string | null;
  name: string | null;
  retry: NormalizedRetry;
  concurrency: number | null;
  orderBy: ((payload: unknown, meta: EventMeta) => unknown) | null;
  circuitBreaker: NormalizedCircuitBreaker | null;
}

const KEYS = ['group', 'name', 'retry', 'concurrency', 'orderBy', 'circuitBreaker'];
const HANDLER_NAME = /^[A-Za-z0-9_.:#@ -]{1,100}$/;

/** Checks `on()`'s options; each problem is a ConfigError naming the field (e.g. `retry.delays[0]`). */
export function normalizeSubscribeOptions(service: string, input: unknown, busRetry: NormalizedRetry): NormalizedSubscribeOptions {
  if (input === undefined) return { group: null, name: null, retry: busRetry, concurrency: null, orderBy: null, circuitBreaker: null };
  const options = requireRecord('options', input);
  rejectUnknownKeys('', options, KEYS);
  const group = groupName(service, options.group);
  const name = options.name;
  if (name !== undefined && (typeof name !== 'string' || !HANDLER_NAME.test(name))) {
    throw new ConfigError('name', 'expected 1–100 letters, digits, spaces or "_.:#@-" (no commas: names are listed in headers).');
  }
  const orderBy = options.orderBy;
  if (orderBy !== undefined && typeof orderBy !== 'function') throw new ConfigError('orderBy', 'expected a function (payload, meta) => key.');
  if (orderBy !== undefined && group === null) {
    throw new ConfigError('orderBy', 'applies to group handlers only: one instance of a group handles its events in order. Add { group }.');
  }
  // An ordered handler's own delays would let later events of the key overtake the failing one;
  // the bus's default delays do not apply to it.
  const retryDefaults = orderBy === undefined ? busRetry : { ...busRetry, delays: [] };
  const retry = normalizeRetry('retry', options.retry, retryDefaults);
  if (orderBy !== undefined && retry.delays.length > 0) {
    throw new ConfigError('retry.delays', 'cannot be used with orderBy: a delayed event would let later events of its key overtake it. Use in-process retries (attempts).');
  }
  const concurrency = options.concurrency;
  if (concurrency !== undefined && (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 65_535)) {
    throw new ConfigError('concurrency', `expected a whole number from 1 to 65535, got ${String(concurrency)}.`);
  }
  return {
    group,
    name: name ?? null,
    retry,
    concurrency: concurrency ?? null,
    orderBy: (orderBy as NormalizedSubscribeOptions['orderBy']) ?? null,
    circuitBreaker: normalizeCircuitBreaker('circuitBreaker', options.circuitBreaker),
  };
}
