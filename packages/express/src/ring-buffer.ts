/** Keeps the last `capacity` items, oldest first, and remembers the one most recently pushed out. */
export class RingBuffer<T> {
  readonly #items: T[] = [];
  // The item just before the oldest kept one: a client whose last item it was has missed exactly
  // what the buffer holds.
  #dropped: T | undefined;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.capacity === 0) return;
    this.#items.push(item);
    // Capacities are small (a few hundred); shifting an array this size is cheaper than index bookkeeping.
    if (this.#items.length > this.capacity) this.#dropped = this.#items.shift();
  }

  /** Items after the newest one matching `isLast`; undefined when no kept item (or the one just dropped) matches. */
  after(isLast: (item: T) => boolean): T[] | undefined {
    for (let index = this.#items.length - 1; index >= 0; index -= 1) {
      const item = this.#items[index];
      if (item !== undefined && isLast(item)) return this.#items.slice(index + 1);
    }
    if (this.#dropped !== undefined && isLast(this.#dropped)) return [...this.#items];
    return undefined;
  }

  get size(): number {
    return this.#items.length;
  }
}
