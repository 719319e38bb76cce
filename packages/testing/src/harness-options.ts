import { ConfigError } from '@remit/core';

/** Options of `testHarness(buses, options)`. */
export interface HarnessOptions {
  /**
   * How long `publishAndWait`, `track` and `idle` wait for everything to settle before rejecting
   * with TrackingTimeoutError, which names what is still running.
   * @default 5000
   */
  timeoutMs?: number;
}

export interface NormalizedHarnessOptions {
  timeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** A timeout in ms: a whole number from 1 up to what setTimeout accepts. */
export function timeoutOption(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw new ConfigError(field, `expected a whole number of milliseconds from 1 to ${2 ** 31 - 1}, got ${String(value)}.`);
  }
  return value;
}

export function normalizeHarnessOptions(options: unknown): NormalizedHarnessOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ConfigError('options', 'expected an object.');
  for (const key of Object.keys(options)) {
    if (key !== 'timeoutMs') throw new ConfigError(key, 'unknown option; expected timeoutMs.');
  }
  return { timeoutMs: timeoutOption('timeoutMs', Reflect.get(options, 'timeoutMs'), DEFAULT_TIMEOUT_MS) };
}
