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
  /** Events moved to the dead-letter queue (failed handlers or undecodable messages). */
  readonly deadLettered: number;
  readonly handlerDuration: HandlerDurationStats;
  /**
   * Publish → receive, per received event (from the publisher's `remit-published-at`): how far
   * behind this instance is. Clocks of different hosts differ by their skew.
   */
  readonly deliveryLag: HistogramStats;
}
