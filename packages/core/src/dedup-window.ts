/**
 * Remembers the last `size` ids in insertion order, so a redelivered event (after a reconnect or a
 * crash before the ack) is dropped before handlers see it again. A Set keeps insertion order, which
 * makes evicting the oldest id O(1).
 */
export class DedupWindow {
  readonly #ids = new Set<string>();

  constructor(private readonly size: number) {}

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  remember(id: string): void {
    if (this.size === 0) return;
    this.#ids.delete(id);
    this.#ids.add(id);
    if (this.#ids.size > this.size) {
      const oldest = this.#ids.values().next();
      if (!oldest.done) this.#ids.delete(oldest.value);
    }
  }
}
