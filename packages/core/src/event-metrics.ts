import type { EventStats } from './metrics-types.js';

/**
 * Upper bounds, in seconds, of the handler-duration histogram: Prometheus' default buckets, which
 * fit handlers from a few milliseconds (a cache write) to ten seconds (a slow external call).
 */
export const HANDLER_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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
  deadLettered = 0;
  durationSum = 0;
  durationCount = 0;
  /** Runs per bucket, not cumulative (one increment per run); the last slot holds the runs above every bound. */
  readonly #bucketRuns = new Array<number>(HANDLER_DURATION_BUCKETS.length + 1).fill(0);

  /** Records one handler run that took `seconds`. */
  observe(seconds: number): void {
    let index = 0;
    while (index < HANDLER_DURATION_BUCKETS.length && seconds > (HANDLER_DURATION_BUCKETS[index] ?? Infinity)) index++;
    this.#bucketRuns[index] = (this.#bucketRuns[index] ?? 0) + 1;
    this.durationSum += seconds;
    this.durationCount++;
  }

  snapshot(): EventStats {
    let cumulative = 0;
    const buckets = HANDLER_DURATION_BUCKETS.map((le, index) => {
      cumulative += this.#bucketRuns[index] ?? 0;
      return { le, count: cumulative };
    });
    return {
      published: this.published,
      confirmed: this.confirmed,
      received: this.received,
      handled: this.handled,
      failed: this.failed,
      retried: this.retried,
      deadLettered: this.deadLettered,
      handlerDuration: { buckets, sum: this.durationSum, count: this.durationCount },
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
