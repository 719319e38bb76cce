import { ConfigError } from './errors.js';
import type { HeaderValue, SubscribeOptions } from './types.js';
import { isRecord } from './validate.js';

/** Checks of the arguments of on(), publish() and friends; each throws ConfigError naming the field. */

const MAX_EVENT_NAME_BYTES = 255;

export function handlerLabel(fn: { name: string }, fallback: string): string {
  return fn.name && fn.name !== 'anonymous' ? fn.name : fallback;
}

export function groupName(service: string, group: SubscribeOptions['group']): string | null {
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
  }
  return headers as Record<string, HeaderValue>;
}
