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

/**
 * Whether a message is for this instance, by its destination headers: `me` (none, or they name
 * it), `other`, or `invalid` (a header that is not text: nobody can tell whom it is for, so it is
 * dead-lettered rather than dropped by every instance).
 */
export function addressee(headers: Record<string, unknown>, self: InstanceRef): 'me' | 'other' | 'invalid' {
  const rawService = headers[Header.toService];
  const rawInstance = headers[Header.toInstance];
  if (rawService === undefined && rawInstance === undefined) return 'me';
  const service = rawService === undefined ? undefined : text(rawService);
  const instance = rawInstance === undefined ? undefined : text(rawInstance);
  if ((rawService !== undefined && service === undefined) || (rawInstance !== undefined && instance === undefined)) return 'invalid';
  if (service !== undefined && service !== self.service) return 'other';
  return instance === undefined || instance === self.instance ? 'me' : 'other';
}

/** Whether an instance is among the addressees of a destination. */
export function matches(to: Destination | undefined, instance: InstanceRef): boolean {
  if (!to) return true;
  return to.service === instance.service && (to.instance === undefined || to.instance === instance.instance);
}
