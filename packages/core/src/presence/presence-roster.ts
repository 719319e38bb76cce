import type { Announcement } from '../wire/presence-messages.js';
import type { InstanceInfo, PresenceChange } from './presence-types.js';

/** An instance is dropped after this many of its heartbeat intervals without a word. */
export const MISSED_HEARTBEATS = 3;

/**
 * The live instances this bus knows of, keyed by instance id. Liveness is judged on this bus's
 * clock (when it last heard from an instance), never on the sender's, so clock skew between
 * machines does not matter. An instance that said goodbye stays gone: a heartbeat of the same run
 * still in flight does not bring it back.
 */
export class PresenceRoster {
  readonly #live = new Map<string, { announcement: Announcement; lastSeen: number }>();
  /** Runs (instance id → startedAt) that said goodbye. */
  readonly #gone = new Map<string, number>();

  /** Records a word from an instance; returns its join when it was not known. */
  seen(announcement: Announcement, now: number): PresenceChange | null {
    if (this.#gone.get(announcement.instance) === announcement.startedAt) return null;
    const known = this.#live.get(announcement.instance);
    this.#live.set(announcement.instance, { announcement, lastSeen: now });
    // A restart under the same instance id is a new run: the old one left, the new one joins.
    if (known && known.announcement.startedAt === announcement.startedAt) return null;
    return { type: 'join', ...info(announcement, now) };
  }

  /** The instance closed its bus. */
  goodbye(announcement: Announcement, now: number): PresenceChange | null {
    this.#gone.set(announcement.instance, announcement.startedAt);
    if (this.#gone.size > 10_000) this.#gone.delete(this.#gone.keys().next().value ?? '');
    const known = this.#live.get(announcement.instance);
    if (!known || known.announcement.startedAt !== announcement.startedAt) return null;
    this.#live.delete(announcement.instance);
    return { type: 'leave', reason: 'goodbye', ...info(known.announcement, now) };
  }

  /** Drops instances silent for 3 of their heartbeat intervals; returns their leaves. */
  sweep(now: number, self: string): PresenceChange[] {
    const left: PresenceChange[] = [];
    for (const [id, entry] of this.#live) {
      if (id === self) continue;
      if (now - entry.lastSeen <= MISSED_HEARTBEATS * entry.announcement.heartbeatIntervalMs) continue;
      this.#live.delete(id);
      left.push({ type: 'leave', reason: 'timeout', ...info(entry.announcement, entry.lastSeen) });
    }
    return left;
  }

  list(): InstanceInfo[] {
    return [...this.#live.values()]
      .map((entry) => info(entry.announcement, entry.lastSeen))
      .sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
  }

  has(instance: string): boolean {
    return this.#live.has(instance);
  }
}

function info(announcement: Announcement, lastSeen: number): InstanceInfo {
  return {
    service: announcement.service,
    instance: announcement.instance,
    startedAt: new Date(announcement.startedAt),
    lastSeen: new Date(lastSeen),
    version: announcement.version,
    heartbeatIntervalMs: announcement.heartbeatIntervalMs,
    listening: announcement.listening,
    ...(announcement.topics === undefined ? {} : { topics: announcement.topics }),
  };
}
