import type { Bus, EventMeta } from '@remit/core';

/** What the harness needs of a bus: core's `Bus`, or anything that delegates to one (Nest's `EventBus`). */
export type HarnessBus = Pick<Bus, 'service' | 'instanceId' | 'observe'>;

/** An event (or request) seen during a session, as its handlers get it, and the bus it was seen on. */
export interface TrackedMessage {
  readonly name: string;
  /** The payload as published (before any schema transform). */
  readonly payload: unknown;
  readonly meta: EventMeta;
  /** One of the harness's buses, as given to `testHarness()`. */
  readonly bus: HarnessBus;
}

/** Handlers of one bus ran for an event and all succeeded. */
export interface TrackedHandling extends TrackedMessage {
  /** The queue it came from: `remit.instance.…` (broadcast), `remit.group.…`, or `…:local` (the publisher's own handlers). */
  readonly queue: string;
}

/** A handler failed its last attempt (`handler`), or a request handler threw (`request`). */
export interface TrackedFailure extends TrackedMessage {
  readonly kind: 'handler' | 'request';
  readonly error: Error;
  /** The handler's name, as dead letters and metrics name it. */
  readonly handler: string | undefined;
  /** Attempts made, for event handlers. */
  readonly attempts: number | undefined;
}

/** A message stored in the dead-letter queue. */
export interface TrackedDeadLetter extends TrackedMessage {
  /** As in the `remit-dead-reason` header: `handler-failed`, `validation-failed`, `decode-failed` … */
  readonly reason: string;
  readonly error: string;
  readonly queue: string;
  readonly handler: string | undefined;
}

/** A request made by one of the harness's buses, once it settled. */
export interface TrackedRequest extends TrackedMessage {
  /** The reply, when the request succeeded. */
  readonly reply: unknown;
  /** Why it failed (RemoteError, RequestTimeoutError, NoResponderError …); undefined when it succeeded. */
  readonly error: Error | undefined;
}

/**
 * Everything the harness's buses did between the start of a tracked action and the moment all of
 * it settled, in the order it happened (a request when it settled).
 */
export interface TrackedSession {
  /** Events sent to the broker; `publishAndWait`'s own event first. */
  readonly published: readonly TrackedMessage[];
  /** Handler runs that succeeded: one per bus and queue (a broadcast event handled by two buses is two). */
  readonly handled: readonly TrackedHandling[];
  /** Handlers that failed their last attempt, and request handlers that threw. */
  readonly failed: readonly TrackedFailure[];
  readonly deadLettered: readonly TrackedDeadLetter[];
  readonly requested: readonly TrackedRequest[];
}

/** A session being recorded: the lists of a TrackedSession, still growing. */
export class SessionRecorder implements TrackedSession {
  readonly published: TrackedMessage[] = [];
  readonly handled: TrackedHandling[] = [];
  readonly failed: TrackedFailure[] = [];
  readonly deadLettered: TrackedDeadLetter[] = [];
  readonly requested: TrackedRequest[] = [];

  /** A copy that stops growing, for the caller. */
  result(): TrackedSession {
    return {
      published: [...this.published],
      handled: [...this.handled],
      failed: [...this.failed],
      deadLettered: [...this.deadLettered],
      requested: [...this.requested],
    };
  }
}
