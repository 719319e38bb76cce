import { ConfigError } from './errors.js';
import type { HeaderValue } from './types.js';

/**
 * Checks of what callers pass in: options of createBus, the transports and the adapters, and the
 * arguments of on(), publish(), request() and friends. Each throws ConfigError naming the field.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireRecord(field: string, value: unknown): Record<string, unknown> {
  if (!isRecord(value)) throw new ConfigError(field, `expected an object, got ${describe(value)}.`);
  return value;
}

/** Rejects keys the caller does not know, so a typo never silently falls back to a default. */
export function rejectUnknownKeys(prefix: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new ConfigError(prefix ? `${prefix}.${key}` : key, `unknown option. Known options: ${known.join(', ')}.`);
    }
  }
}

export function integer(
  field: string,
  value: unknown,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ConfigError(field, `expected an integer, got ${describe(value)}.`);
  }
  if (value < min || value > max) {
    throw new ConfigError(field, `expected an integer from ${min} to ${max}, got ${value}.`);
  }
  return value;
}

export function nonEmptyString(field: string, value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new ConfigError(field, `expected a non-empty string, got ${describe(value)}.`);
  }
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : `a string`;
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

// ── arguments of on(), publish(), request() ─────────────────────────────────────────────────

const MAX_EVENT_NAME_BYTES = 255;

export function groupName(service: string, group: unknown): string | null {
  if (group === undefined || group === false) return null;
  if (group === true) return service;
  if (typeof group !== 'string' || !/^[A-Za-z0-9_.:-]{1,200}$/.test(group)) {
    throw new ConfigError('group', 'expected true or a name of letters, digits, ".", "_", ":" or "-".');
  }
  return group;
}

export function checkEventName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) > MAX_EVENT_NAME_BYTES) {
    throw new ConfigError('name', `an event name is a non-empty string of at most ${MAX_EVENT_NAME_BYTES} bytes.`);
  }
}

export function checkHeaders(headers: unknown): Record<string, HeaderValue> | undefined {
  if (headers === undefined) return undefined;
  if (!isRecord(headers)) throw new ConfigError('headers', 'expected an object of string, number or boolean values.');
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith('remit-')) throw new ConfigError(`headers.${key}`, 'header names starting with "remit-" are reserved.');
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new ConfigError(`headers.${key}`, 'expected a string, number, boolean or null.');
    }
    // AMQP has no NaN or Infinity: amqplib throws on NaN, and the broker closes the connection on Infinity.
    if (typeof value === 'number' && !Number.isFinite(value)) throw new ConfigError(`headers.${key}`, `expected a finite number, got ${value}.`);
  }
  return headers as Record<string, HeaderValue>;
}
