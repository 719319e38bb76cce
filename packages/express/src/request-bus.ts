import type { Bus, EventMap, RequestMap, RequestShape } from '@remit/core';

/**
 * Tells `req.bus` which event map (and, optionally, request map) your app uses. Augment it once,
 * anywhere in your program:
 *
 * @example
 * declare module '@remit/express' {
 *   interface Register { events: Events; requests: Requests }
 * }
 */
export interface Register {}

/** The event map registered through `Register`, or any name with an `unknown` payload when none is. */
export type RegisteredEvents = Register extends { events: infer E extends object } ? E : EventMap;

/** The request map registered through `Register`, or any name with `unknown` request and response. */
export type RegisteredRequests = Register extends { requests: infer R extends RequestShape<R> } ? R : RequestMap;

declare global {
  // Express's own request type is declared in this global namespace (in Express 4 and 5 typings),
  // so augmenting it here types `req.bus` on every handler without a cast.
  namespace Express {
    interface Request {
      /** The remit bus set by the `remit(bus)` middleware. */
      bus: Bus<RegisteredEvents, RegisteredRequests>;
    }
  }
}
