import type { EventName } from '@remit/core';
import { ConfigError } from '@remit/core';

/**
 * The adapter's checks of what callers pass in, in the order of core's (field first); each throws
 * core's ConfigError naming the field.
 */

/** Checks that `bus` is a remit bus (the adapters' one runtime dependency on its shape). */
export function requireBus(bus: unknown): void {
  if (typeof bus !== 'object' || bus === null) throw new ConfigError('bus', 'expected a bus from createBus().');
  const candidate = bus as Record<string, unknown>;
  for (const method of ['on', 'publish', 'health', 'onStatus']) {
    if (typeof candidate[method] !== 'function') {
      throw new ConfigError('bus', `expected a bus from createBus() (it has no ${method}() method).`);
    }
  }
}

export function requireRecord(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(field, 'expected an object.');
  return value as Record<string, unknown>;
}

export function eventNames<E extends object>(field: string, value: unknown): EventName<E>[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(field, 'expected a non-empty array of event names, e.g. ["user.created"].');
  }
  for (const [index, name] of value.entries()) {
    if (typeof name !== 'string' || name.length === 0 || /[\r\n]/.test(name)) {
      throw new ConfigError(`${field}[${index}]`, 'expected a non-empty string without line breaks.');
    }
  }
  return [...new Set(value as EventName<E>[])];
}

export function optionalFunction<T>(field: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigError(field, 'expected a function.');
  return value as T;
}

export function nonNegativeInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(field, `expected a whole number >= 0, got ${String(value)}.`);
  }
  return value;
}

export function rejectUnknownKeys(options: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ConfigError(key, `unknown option; expected one of ${known.join(', ')}.`);
  }
}
