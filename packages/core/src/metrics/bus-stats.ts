import type { BusStats } from '../bus-state.js';

/** Every counter of `stats()`, at zero. (The bus keeps per-event counters in EventMetrics; `stats()` copies them into `events`.) */
export function emptyStats(): BusStats {
  return {
    published: 0,
    confirmed: 0,
    received: 0,
    handled: 0,
    failed: 0,
    retried: 0,
    delayed: 0,
    deadLettered: 0,
    duplicates: 0,
    unroutable: 0,
    notForMe: 0,
    reconnects: 0,
    paused: 0,
    events: {},
  };
}
