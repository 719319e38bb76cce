import { ConfigError } from '../errors.js';
import type { HandlerPolicy } from '../policies/handler-policy.js';
import type { EventMeta } from '../types.js';
import { TopicPatterns } from './topic-patterns.js';

/** A handler's name in dead letters and metrics: its function's name, or `fallback` for an anonymous one. */
export function handlerLabel(fn: { name: string }, fallback: string): string {
  return fn.name && fn.name !== 'anonymous' ? fn.name : fallback;
}

/** One registered handler, as the dispatcher runs it. */
export interface HandlerEntry {
  /** The function the user passed; `off` finds entries by it. */
  readonly fn: (...args: never[]) => unknown;
  /**
   * The handler's name, unique among the handlers of its event: written to dead-letter headers,
   * metrics and logs, and named by a delayed retry (only the handlers it names run again).
   */
  readonly label: string;
  readonly once: boolean;
  /** Its event name (`*` for a catch-all handler) and group (null: broadcast). */
  readonly event: string;
  readonly group: string | null;
  readonly policy: HandlerPolicy;
  run(payload: unknown, meta: EventMeta): unknown;
}

type EntrySet = Set<HandlerEntry>;

function addTo<K>(map: Map<K, EntrySet>, key: K, entry: HandlerEntry): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(entry);
}

/**
 * Who listens to what: broadcast handlers by event name, catch-all handlers, and group handlers by
 * group and event name. The bus asks it which handlers a delivery from a given queue should run.
 * A name may be a pattern (`order.*`, `order.#`; topic-patterns.ts): its handlers run for every
 * event name it matches.
 */
export class HandlerRegistry {
  readonly #broadcast = new Map<string, EntrySet>();
  readonly #any: EntrySet = new Set();
  readonly #groups = new Map<string, Map<string, EntrySet>>();
  readonly #broadcastPatterns = new TopicPatterns();
  readonly #groupPatterns = new Map<string, TopicPatterns>();

  addBroadcast(name: string, entry: HandlerEntry): () => void {
    this.#broadcastPatterns.note(name);
    addTo(this.#broadcast, name, entry);
    return () => this.#broadcast.get(name)?.delete(entry);
  }

  addAny(entry: HandlerEntry): () => void {
    this.#any.add(entry);
    return () => this.#any.delete(entry);
  }

  addGroup(group: string, name: string, entry: HandlerEntry): () => void {
    let events = this.#groups.get(group);
    if (!events) this.#groups.set(group, (events = new Map()));
    let patterns = this.#groupPatterns.get(group);
    if (!patterns) this.#groupPatterns.set(group, (patterns = new TopicPatterns()));
    patterns.note(name);
    addTo(events, name, entry);
    return () => events.get(name)?.delete(entry);
  }

  /** Removes the handlers registered with `fn` for `name`, or all handlers of `name` without `fn`; returns them. */
  remove(name: string, fn?: (...args: never[]) => unknown): HandlerEntry[] {
    const removed: HandlerEntry[] = [];
    const sets = [this.#broadcast.get(name), ...[...this.#groups.values()].map((events) => events.get(name))];
    for (const set of sets) {
      if (!set) continue;
      for (const entry of set) {
        if (fn !== undefined && entry.fn !== fn) continue;
        set.delete(entry);
        removed.push(entry);
      }
    }
    return removed;
  }

  removeAny(fn?: (...args: never[]) => unknown): void {
    for (const entry of this.#any) if (fn === undefined || entry.fn === fn) this.#any.delete(entry);
  }

  /** Broadcast handlers for an event, catch-all handlers included; `once` handlers are removed as taken. */
  takeBroadcast(name: string): HandlerEntry[] {
    const entries = take(this.#broadcast.get(name), this.#any);
    if (this.#broadcastPatterns.size > 0) takeMatching(this.#broadcastPatterns, this.#broadcast, name, entries);
    return entries;
  }

  takeGroup(group: string, name: string): HandlerEntry[] {
    const events = this.#groups.get(group);
    const entries = take(events?.get(name));
    const patterns = this.#groupPatterns.get(group);
    if (events && patterns && patterns.size > 0) takeMatching(patterns, events, name, entries);
    return entries;
  }

  /** Names and patterns that have a broadcast handler (topic routing binds the broadcast queue to each). */
  broadcastNames(): string[] {
    return namesIn(this.#broadcast);
  }

  /** Whether a catch-all handler (`onAny`) is registered. */
  hasCatchAll(): boolean {
    return this.#any.size > 0;
  }

  /** Names and patterns that have a handler of `group`. */
  groupNames(group: string): string[] {
    const events = this.#groups.get(group);
    return events ? namesIn(events) : [];
  }

  /** Whether any broadcast handler or catch-all handler is registered. */
  hasBroadcastHandlers(): boolean {
    if (this.#any.size > 0) return true;
    for (const set of this.#broadcast.values()) if (set.size > 0) return true;
    return false;
  }

  hasGroupHandlers(group: string): boolean {
    const events = this.#groups.get(group);
    if (!events) return false;
    for (const set of events.values()) if (set.size > 0) return true;
    return false;
  }

  groups(): string[] {
    return [...this.#groups.keys()].filter((group) => this.hasGroupHandlers(group));
  }

  /** Every handler, broadcast, catch-all and group ones. */
  entries(): HandlerEntry[] {
    const all: HandlerEntry[] = [...this.#any];
    for (const set of this.#broadcast.values()) all.push(...set);
    for (const events of this.#groups.values()) for (const set of events.values()) all.push(...set);
    return all;
  }

  /** The handlers of one group, every event. */
  groupEntries(group: string): HandlerEntry[] {
    const entries: HandlerEntry[] = [];
    for (const set of this.#groups.get(group)?.values() ?? []) entries.push(...set);
    return entries;
  }

  /**
   * A name for a new handler of `event`, unique among its handlers: `base`, else `base#2`, `base#3`
   * … for a default name; an explicit `name` that is taken is a ConfigError.
   */
  uniqueLabel(event: string, base: string, explicit: boolean): string {
    const taken = new Set(this.#entriesOf(event).map((entry) => entry.label));
    if (!taken.has(base)) return base;
    if (explicit) throw new ConfigError('name', `"${event}" already has a handler named "${base}"; handler names must differ per event.`);
    for (let suffix = 2; ; suffix++) if (!taken.has(`${base}#${suffix}`)) return `${base}#${suffix}`;
  }

  #entriesOf(event: string): HandlerEntry[] {
    if (event === '*') return [...this.#any];
    const entries = [...(this.#broadcast.get(event) ?? [])];
    for (const events of this.#groups.values()) entries.push(...(events.get(event) ?? []));
    return entries;
  }
}

function namesIn(map: Map<string, EntrySet>): string[] {
  return [...map].filter(([, set]) => set.size > 0).map(([name]) => name);
}

/** Adds the handlers of every pattern that `name` matches. */
function takeMatching(patterns: TopicPatterns, map: Map<string, EntrySet>, name: string, entries: HandlerEntry[]): void {
  for (const pattern of patterns.matching(name)) {
    const set = map.get(pattern);
    if (set?.size) takeFrom(set, entries);
  }
}

// Two parameters rather than an array of sets: this runs for every event, sent or received.
function take(first: EntrySet | undefined, second?: EntrySet): HandlerEntry[] {
  const entries: HandlerEntry[] = [];
  if (first?.size) takeFrom(first, entries);
  if (second?.size) takeFrom(second, entries);
  return entries;
}

function takeFrom(set: EntrySet, entries: HandlerEntry[]): void {
  for (const entry of set) {
    entries.push(entry);
    if (entry.once) set.delete(entry);
  }
}
