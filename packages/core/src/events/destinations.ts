import { Header, text } from '../wire/headers.js';
import { ConfigError } from '../errors.js';
import type { InstanceRef } from '../presence/presence-types.js';
import type { Destination } from '../types.js';
import { isRecord } from '../config-checks.js';

/**
 * Destinations (Spring Cloud Bus style): an event addressed to a service, or to one instance of
 * it, travels like any other event, and every instance that is not the addressee drops it before
 * decoding. The address is two headers, so a receiver never has to split a string.
 */

const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

function part(field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new ConfigError(field, 'expected 1–100 characters of letters, digits, ".", "_", ":" or "-".');
  }
  return value;
}

/** Reads the `to` option: `'service'`, `'service:instance'` (split at the first `:`) or `{ service, instance? }`. */
export function parseDestination(to: unknown): Destination | undefined {
  if (to === undefined) return undefined;
  if (typeof to === 'string') {
    const colon = to.indexOf(':');
    if (colon === -1) return { service: part('to', to) };
    return { service: part('to', to.slice(0, colon)), instance: part('to', to.slice(colon + 1)) };
  }
  if (!isRecord(to)) throw new ConfigError('to', "expected 'service', 'service:instance' or { service, instance? }.");
  const service = part('to.service', to.service);
  return to.instance === undefined ? { service } : { service, instance: part('to.instance', to.instance) };
}

/** The `remit-to-*` headers of a destination. */
export function destinationHeaders(to: Destination | undefined): Record<string, string> | undefined {
  if (!to) return undefined;
  return to.instance === undefined
    ? { [Header.toService]: to.service }
    : { [Header.toService]: to.service, [Header.toInstance]: to.instance };
}

/** True when a message's destination headers (if any) name this instance. */
export function isForMe(headers: Record<string, unknown>, self: InstanceRef): boolean {
  const service = headers[Header.toService];
  if (service !== undefined && text(service) !== self.service) return false;
  const instance = headers[Header.toInstance];
  return instance === undefined || text(instance) === self.instance;
}

/** Whether an instance is among the addressees of a destination. */
export function matches(to: Destination | undefined, instance: InstanceRef): boolean {
  if (!to) return true;
  return to.service === instance.service && (to.instance === undefined || to.instance === instance.instance);
}
