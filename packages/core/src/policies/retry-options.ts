import { integer, rejectUnknownKeys, requireRecord } from '../config-checks.js';
import { ConfigError } from '../errors.js';
import type { EventMeta } from '../types.js';
import { parseDuration } from './durations.js';

/** How a failing handler is tried again: in-process first, then (with `delays`) through the broker. */
export interface RetryOptions {
  /**
   * Tries in-process, with exponential backoff, before the event is dead-lettered or (with
   * `delays`) sent back through the broker (1 = no in-process retry). Each delayed redelivery
   * gets these tries again.
   * @default 3
   */
  attempts?: number;
  /** @default 100 */
  initialDelayMs?: number;
  /** @default 5000 */
  maxDelayMs?: number;
  /**
   * After the in-process tries, one redelivery through the broker after each delay (ms, or `'30s'`,
   * `'5m'`, `'1h'`), then the dead-letter queue. The event waits in a delay queue on the broker:
   * no memory, no prefetch slot, and it survives broker and instance restarts. Not with `orderBy`.
   * @default [] (dead-lettered after the in-process tries)
   */
  delays?: ReadonlyArray<number | string>;
  /**
   * Whether an error is worth trying again; false dead-letters the event at once (so does a
   * handler throwing `UnrecoverableError`).
   * @default every error is retried
   */
  retryIf?: (error: Error, meta: EventMeta) => boolean;
}

export interface NormalizedRetry {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Milliseconds; empty: no delayed redelivery. */
  delays: readonly number[];
  retryIf: ((error: Error, meta: EventMeta) => boolean) | null;
}

const RETRY_KEYS = ['attempts', 'initialDelayMs', 'maxDelayMs', 'delays', 'retryIf'];

/** The bus's defaults when it sets none. */
export const DEFAULT_RETRY: NormalizedRetry = { attempts: 3, initialDelayMs: 100, maxDelayMs: 5000, delays: [], retryIf: null };

/**
 * Checks a `retry` option (`field` names it in errors: `retry` on the bus, `options.retry` on a
 * handler) and fills what it leaves out from `defaults`.
 */
export function normalizeRetry(field: string, value: unknown, defaults: NormalizedRetry): NormalizedRetry {
  if (value === undefined) return defaults;
  const retry = requireRecord(field, value);
  rejectUnknownKeys(field, retry, RETRY_KEYS);
  const initialDelayMs = integer(`${field}.initialDelayMs`, retry.initialDelayMs, defaults.initialDelayMs);
  const maxDelayMs = integer(`${field}.maxDelayMs`, retry.maxDelayMs, Math.max(defaults.maxDelayMs, initialDelayMs), { min: initialDelayMs });
  let delays = defaults.delays;
  if (retry.delays !== undefined) {
    if (!Array.isArray(retry.delays)) throw new ConfigError(`${field}.delays`, "expected an array of delays, e.g. ['10s', '1m'].");
    if (retry.delays.length > 100) throw new ConfigError(`${field}.delays`, 'at most 100 delays.');
    delays = retry.delays.map((delay: unknown, index) => parseDuration(`${field}.delays[${index}]`, delay));
  }
  const retryIf = retry.retryIf;
  if (retryIf !== undefined && typeof retryIf !== 'function') throw new ConfigError(`${field}.retryIf`, 'expected a function (error, meta) => boolean.');
  return {
    attempts: integer(`${field}.attempts`, retry.attempts, defaults.attempts, { min: 1, max: 100 }),
    initialDelayMs,
    maxDelayMs,
    delays,
    retryIf: retryIf === undefined ? defaults.retryIf : (retryIf as NormalizedRetry['retryIf']),
  };
}
