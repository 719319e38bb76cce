/**
 * What a bus says of itself: its connection status and handlers' status (`onStatus`), `health()`
 * and `stats()`.
 */

export type BusStatus = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closing' | 'closed';

/** The bus's connection status changed. */
export interface BusStatusChange {
  readonly kind: 'bus';
  readonly status: BusStatus;
  readonly previous: BusStatus;
  /** Why the status changed, when an error caused it. Never holds credentials. */
  readonly cause?: Error;
}

/** Whether a handler takes events: `paused` while its circuit breaker holds its queue. */
export type HandlerStatus = 'running' | 'paused';

/** One handler, as `health().handlers` lists it. */
export interface HandlerHealth {
  readonly event: string;
  readonly handler: string;
  /** Its group, or null for a broadcast handler. */
  readonly group: string | null;
  readonly status: HandlerStatus;
  /** When a paused handler tries again, or null. */
  readonly pausedUntil: Date | null;
}

/** A handler's circuit breaker paused or resumed its queue. */
export interface HandlerStatusChange extends HandlerHealth {
  readonly kind: 'handler';
  readonly previous: HandlerStatus;
}

/** What `onStatus` listeners hear: the bus's connection status, or a handler pausing or resuming. */
export type StatusChange = BusStatusChange | HandlerStatusChange;

export interface BusHealth {
  readonly status: BusStatus;
  /** When the current connection was made, or null when not connected. */
  readonly connectedSince: Date | null;
  /** Events waiting to be sent or confirmed. */
  readonly outbox: number;
  /** The most recent connection or channel error, if any. */
  readonly lastError: string | null;
  /** Every handler, and whether its circuit breaker has paused it. */
  readonly handlers: readonly HandlerHealth[];
}

export interface BusStats {
  published: number;
  confirmed: number;
  received: number;
  handled: number;
  failed: number;
  retried: number;
  /** Events sent back through a broker delay queue for a later try (`retry.delays`). */
  delayed: number;
  deadLettered: number;
  duplicates: number;
  /** Events the broker confirmed but no queue took (nobody was listening). */
  unroutable: number;
  /** Events addressed (`to`) to another service or instance, dropped here without running handlers. */
  notForMe: number;
  reconnects: number;
  /** Times a circuit breaker paused a handler's queue. */
  paused: number;
  /** The same counters per event name, with a handler-duration histogram (see docs/metrics.md). */
  events: Record<string, EventStats>;
}

/**
 * A Prometheus histogram: `buckets` are cumulative (each counts the observations of at most `le`
 * seconds), `count` is every observation and `sum` their total seconds.
 */
export interface HistogramStats {
  readonly buckets: ReadonlyArray<{ readonly le: number; readonly count: number }>;
  readonly sum: number;
  readonly count: number;
}

/** How long one event's handlers took; each handler attempt is one observation, a retried one included. */
export type HandlerDurationStats = HistogramStats;

/**
 * The counters of `stats()` for one event name. They add up to the bus-wide counters of the same
 * name (`stats().handled` is the sum of every event's `handled`).
 */
export interface EventStats {
  /** `publish()` calls that sent this event. */
  readonly published: number;
  /** Published events the broker confirmed. */
  readonly confirmed: number;
  /** Deliveries from the broker, this instance's own broadcast copies included. */
  readonly received: number;
  /** Events whose handlers all succeeded. */
  readonly handled: number;
  /** Handlers that still failed after their last retry (one per failing handler). */
  readonly failed: number;
  /** Handler attempts that failed and were tried again. */
  readonly retried: number;
  /** Events sent back through a broker delay queue for a later try. */
  readonly delayed: number;
  /** Events moved to the dead-letter queue (failed handlers or undecodable messages). */
  readonly deadLettered: number;
  readonly handlerDuration: HandlerDurationStats;
  /**
   * Publish → receive, per received event (from the publish time the event carries): how far
   * behind this instance is. Clocks of different hosts differ by their skew.
   */
  readonly deliveryLag: HistogramStats;
}
