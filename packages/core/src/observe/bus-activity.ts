import type { EventMeta, FailureReport, Unsubscribe } from '../types.js';

/** An event or request as its handlers see it (the payload as published, before any schema transform). */
export interface ObservedMessage {
  readonly name: string;
  readonly payload: unknown;
  readonly meta: EventMeta;
}

/**
 * One thing a bus does, as `bus.observe()` reports it. Every kind that takes time carries `done`,
 * which settles when it ended: an observer that counts what has not settled yet knows, exactly,
 * whether the bus is quiet. Reported synchronously, when it begins.
 *
 * - `publish`: `publish()` was called; `done` settles as its promise does.
 * - `send`: the event went to the broker (checked and encoded; its `meta.id` is known now); `done`
 *   settles with the broker's confirm. Every queue in `receivers()` of the observed buses gets it.
 * - `delivery`: a message arrived from one of this bus's queues; `done` resolves true once it was
 *   acknowledged (handled, dead-lettered, or dropped as a duplicate, an own copy or addressed
 *   elsewhere), false once it went back to its queue for another delivery.
 * - `handle`: this bus's handlers run for one event, from `queue` (`…:local` for the publisher's own
 *   handlers); `done` resolves to `'handled'`, `'dead-lettered'` or `'kept'` (failed and requeued).
 * - `request`: `request()` sent a request; `done` settles as its promise does.
 * - `serve`: this bus's request handler runs for one request; `done` resolves once the reply is made.
 * - `dead-letter`: a message was stored in the dead-letter queue (`reason` as in `remit-dead-reason`).
 * - `failure`: a failure was reported, as `onError` hears it.
 */
export type BusActivity =
  | { readonly kind: 'publish'; readonly name: string; readonly done: Promise<unknown> }
  | { readonly kind: 'send'; readonly event: ObservedMessage; readonly done: Promise<unknown> }
  | { readonly kind: 'delivery'; readonly id: string; readonly name: string; readonly queue: string; readonly done: Promise<boolean> }
  | { readonly kind: 'handle'; readonly event: ObservedMessage; readonly queue: string; readonly done: Promise<unknown> }
  | { readonly kind: 'request'; readonly request: ObservedMessage; readonly done: Promise<unknown> }
  | { readonly kind: 'serve'; readonly request: ObservedMessage; readonly done: Promise<unknown> }
  | {
      readonly kind: 'dead-letter';
      readonly name: string;
      readonly meta: EventMeta;
      readonly reason: string;
      readonly error: string;
      /** The queue the message came from. */
      readonly queue: string;
      /** The handlers that failed, comma-separated, when handlers failed. */
      readonly handler: string | undefined;
    }
  | { readonly kind: 'failure'; readonly report: FailureReport };

/** Hears what a bus does; see `BusActivity`. Called synchronously on the bus's own path: it must be quick and must not throw. */
export type BusObserver = (activity: BusActivity) => void;

/** One of a bus's queues an event reaches, with a promise that resolves once it is declared, bound and consumed. */
export interface ObservedQueue {
  readonly queue: string;
  readonly ready: Promise<unknown>;
}

/** What `bus.observe()` returns. */
export interface Observation extends Disposable {
  /**
   * The queues of this bus that an event named `name`, published now, reaches: this instance's
   * broadcast queue while it consumes one, and the queue of every group it consumes; under topic
   * routing only those bound to a name or pattern that matches `name`.
   */
  receivers(name: string): ObservedQueue[];
  /** Stops observing; calling it twice is harmless. */
  readonly stop: Unsubscribe;
}
