import type { BusStats } from './types.js';

/** Every counter of `stats()`, at zero. */
export function emptyStats(): BusStats {
  return {
    published: 0,
    confirmed: 0,
    received: 0,
    handled: 0,
    failed: 0,
    retried: 0,
    deadLettered: 0,
    duplicates: 0,
    unroutable: 0,
    notForMe: 0,
    reconnects: 0,
  };
}
