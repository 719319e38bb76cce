import type { EventStats, HistogramStats } from '../bus-state.js';

/**
 * Upper bounds, in seconds, of the handler-duration histogram: Prometheus' default buckets, which
 * fit handlers from a few milliseconds (a cache write) to ten seconds (a slow external call).
 */
export const HANDLER_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Upper bounds, in seconds, of the delivery-lag histogram (publish → receive): from a healthy
 * millisecond to the five minutes of a consumer that fell far behind or was down.
 */
export const DELIVERY_LAG_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

/** A Prometheus histogram with fixed bounds, counted in place. */
export class Histogram {
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];
  /** Observations per bucket, not cumulative (one increment each); the last slot holds those above every bound. */
  readonly #runs: number[];

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#runs = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] ?? Infinity)) index++;
    this.#runs[index] = (this.#runs[index] ?? 0) + 1;
    this.sum += value;
    this.count++;
  }

  snapshot(): HistogramStats {
    let cumulative = 0;
    const buckets = this.#bounds.map((le, index) => {
      cumulative += this.#runs[index] ?? 0;
      return { le, count: cumulative };
    });
    return { buckets, sum: this.sum, count: this.count };
  }
}

/**
 * How many distinct event names get their own counters. Names arrive from the wire, so a
 * publisher sending endless made-up names must not grow memory (or a scrape) without bound.
 */
export const MAX_TRACKED_EVENTS = 1000;

/** Where events beyond `MAX_TRACKED_EVENTS` distinct names are counted. */
export const OTHER_EVENTS = '(other)';

/** One event name's live counters. Plain fields, so counting an event is an increment. */
export class EventCounters {
  published = 0;
  confirmed = 0;
  received = 0;
  handled = 0;
  failed = 0;
  retried = 0;
  delayed = 0;
  deadLettered = 0;
  readonly handlerDuration = new Histogram(HANDLER_DURATION_BUCKETS);
  readonly deliveryLag = new Histogram(DELIVERY_LAG_BUCKETS);

  /** Records one handler run that took `seconds` (the dispatcher's AttemptTimer). */
  observe(seconds: number): void {
    this.handlerDuration.observe(seconds);
  }

  /**
   * Records how long a received event took from its publish to here. Publisher and receiver
   * clocks differ across hosts; a lag below zero (a clock ahead) counts as none.
   */
  observeLag(publishedAtMs: number): void {
    this.deliveryLag.observe(Math.max(0, Date.now() - publishedAtMs) / 1000);
  }

  snapshot(): EventStats {
    return {
      published: this.published,
      confirmed: this.confirmed,
      received: this.received,
      handled: this.handled,
      failed: this.failed,
      retried: this.retried,
      delayed: this.delayed,
      deadLettered: this.deadLettered,
      handlerDuration: this.handlerDuration.snapshot(),
      deliveryLag: this.deliveryLag.snapshot(),
    };
  }
}

/**
 * The per-event part of `stats()`: counters and a handler-duration histogram per event name,
 * found with one Map lookup per event. The first `limit` names get their own; later ones share
 * `(other)`.
 */
export class EventMetrics {
  readonly #byName = new Map<string, EventCounters>();
  readonly #limit: number;

  constructor(limit = MAX_TRACKED_EVENTS) {
    this.#limit = limit;
  }

  /** The counters of `name` (created on first use). */
  of(name: string): EventCounters {
    let counters = this.#byName.get(name);
    if (counters) return counters;
    const overflowing = this.#byName.size >= this.#limit;
    const key = overflowing ? OTHER_EVENTS : name;
    counters = this.#byName.get(key);
    if (!counters) this.#byName.set(key, (counters = new EventCounters()));
    return counters;
  }

  /** A copy of every event's counters, by name. */
  snapshot(): Record<string, EventStats> {
    // fromEntries defines own properties, so a wire name like `__proto__` is a plain key too.
    return Object.fromEntries([...this.#byName].map(([name, counters]) => [name, counters.snapshot()]));
  }
}
