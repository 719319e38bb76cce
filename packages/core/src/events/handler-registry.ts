import type { EventMeta } from '../types.js';

/** A handler's name in dead letters and metrics: its function's name, or `fallback` for an anonymous one. */
export function handlerLabel(fn: { name: string }, fallback: string): string {
  return fn.name && fn.name !== 'anonymous' ? fn.name : fallback;
}

/** One registered handler, as the dispatcher runs it. */
export interface HandlerEntry {
  /** The function the user passed; `off` finds entries by it. */
  readonly fn: (...args: never[]) => unknown;
  /** Name written to dead-letter headers, e.g. `sendInvoice`. */
  readonly label: string;
  readonly once: boolean;
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
 */
export class HandlerRegistry {
  readonly #broadcast = new Map<string, EntrySet>();
  readonly #any: EntrySet = new Set();
  readonly #groups = new Map<string, Map<string, EntrySet>>();

  addBroadcast(name: string, entry: HandlerEntry): () => void {
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
    addTo(events, name, entry);
    return () => events.get(name)?.delete(entry);
  }

  /** Removes the handlers registered with `fn` for `name`, or all handlers of `name` without `fn`. */
  remove(name: string, fn?: (...args: never[]) => unknown): void {
    const sets = [this.#broadcast.get(name), ...[...this.#groups.values()].map((events) => events.get(name))];
    for (const set of sets) {
      if (!set) continue;
      for (const entry of set) if (fn === undefined || entry.fn === fn) set.delete(entry);
    }
  }

  removeAny(fn?: (...args: never[]) => unknown): void {
    for (const entry of this.#any) if (fn === undefined || entry.fn === fn) this.#any.delete(entry);
  }

  /** Broadcast handlers for an event, catch-all handlers included; `once` handlers are removed as taken. */
  takeBroadcast(name: string): HandlerEntry[] {
    return take(this.#broadcast.get(name), this.#any);
  }

  takeGroup(group: string, name: string): HandlerEntry[] {
    return take(this.#groups.get(group)?.get(name));
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
