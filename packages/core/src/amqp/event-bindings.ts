/**
 * The event routing keys of each broadcast and group queue under topic routing: the keys its
 * handlers want now, and the keys bound on the current connection. A queue declared on this
 * connection is bound with what it wants then; later wants are applied as a difference (bind the
 * new keys, unbind the dropped ones). A new connection starts with nothing bound, and every queue
 * is declared again with what it wants.
 */
export class EventBindings {
  readonly #wanted = new Map<string, readonly string[]>();
  /** Queues declared on the current connection, and the keys bound to each. */
  readonly #bound = new Map<string, Set<string>>();

  /** Records the keys a queue's handlers need now. */
  want(queue: string, keys: readonly string[]): void {
    this.#wanted.set(queue, [...new Set(keys)]);
  }

  /** The keys to declare a queue with. */
  wanted(queue: string): readonly string[] {
    return this.#wanted.get(queue) ?? [];
  }

  /** Whether `queue` was declared on this connection, so that its bindings are applied as a difference. */
  declared(queue: string): boolean {
    return this.#bound.has(queue);
  }

  /** What to bind and unbind so that a declared queue has what it wants. */
  difference(queue: string): { add: string[]; remove: string[] } {
    const bound = this.#bound.get(queue) ?? new Set<string>();
    const wanted = this.wanted(queue);
    const wantedSet = new Set(wanted);
    return { add: wanted.filter((key) => !bound.has(key)), remove: [...bound].filter((key) => !wantedSet.has(key)) };
  }

  /** `key` is now bound (`true`) or unbound (`false`) to `queue` on this connection. */
  mark(queue: string, key: string, bound: boolean): void {
    let keys = this.#bound.get(queue);
    if (!keys) this.#bound.set(queue, (keys = new Set()));
    if (bound) keys.add(key);
    else keys.delete(key);
  }

  /** `queue` was declared on this connection, bound with exactly `keys`. */
  declaredWith(queue: string, keys: readonly string[]): void {
    this.#bound.set(queue, new Set(keys));
  }

  /** A new connection: nothing is declared on it yet. */
  reset(): void {
    this.#bound.clear();
  }
}
