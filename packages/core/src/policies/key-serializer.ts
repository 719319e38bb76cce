/** What became of a run that waited for its key: it ran, or the bus let it go unrun (closing). */
export type Serialized<T> = { ran: true; value: T } | { ran: false };

/**
 * Runs tasks of the same key one at a time, in the order they were given, and tasks of different
 * keys side by side: `orderBy`. A task that fails still holds its key until it settles (its own
 * retries included), so the next event of that key waits for it.
 */
export class KeySerializer {
  /** The last task of each key; a key leaves the map when its last task settles. */
  readonly #tails = new Map<string, Promise<unknown>>();
  #released = false;

  run<T>(key: string, task: () => Promise<T>): Promise<Serialized<T>> {
    const previous = this.#tails.get(key);
    const next = (previous ? previous.then(() => this.#start(task), () => this.#start(task)) : this.#start(task)) as Promise<Serialized<T>>;
    this.#tails.set(key, next);
    void next.finally(() => {
      if (this.#tails.get(key) === next) this.#tails.delete(key);
    });
    return next;
  }

  /**
   * Lets every task that has not started go unrun, now and later: the bus is closing, and a
   * single-active-consumer queue gives them, in order, to the instance that takes over.
   */
  release(): void {
    this.#released = true;
  }

  async #start<T>(task: () => Promise<T>): Promise<Serialized<T>> {
    if (this.#released) return { ran: false };
    return { ran: true, value: await task() };
  }
}
