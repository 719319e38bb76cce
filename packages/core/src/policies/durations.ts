import { ConfigError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** The longest delay a timer (and a message TTL) can hold: 2^31 - 1 ms, about 24.8 days. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * A delay given as milliseconds (`30000`) or as text with a unit (`'500ms'`, `'30s'`, `'5m'`,
 * `'1h'`), in whole milliseconds; ConfigError naming `field` otherwise.
 */
export function parseDuration(field: string, value: unknown): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(value);
    if (!match) throw new ConfigError(field, `"${value}" is not a duration; use milliseconds or a number with ms, s, m or h ('30s', '5m', '1h').`);
    ms = Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1);
  } else {
    throw new ConfigError(field, 'expected milliseconds or a duration like \'30s\', \'5m\' or \'1h\'.');
  }
  if (!Number.isFinite(ms) || ms < 1 || ms > MAX_DELAY_MS || !Number.isInteger(Math.round(ms))) {
    throw new ConfigError(field, `expected a duration from 1 ms to ${MAX_DELAY_MS} ms (about 24 days), got ${String(value)}.`);
  }
  return Math.round(ms);
}
