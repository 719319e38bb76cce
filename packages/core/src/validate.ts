import { ConfigError } from './errors.js';

/** Option checks shared by createBus and the transports; each throws ConfigError naming the field. */

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
