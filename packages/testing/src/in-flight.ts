/** Something under way, as a timeout names it. */
interface Running {
  readonly what: string;
}

/**
 * What the harness's buses have not finished: work under way (a publish waiting for its confirm,
 * a delivery being handled, a request waiting for its reply …) and deliveries expected but not
 * arrived yet (an event sent to a queue a bus consumes). Quiet when both are empty; whoever waits
 * for quiet is told at the moment the last of them settles, never by polling.
 */
export class InFlight {
  readonly #running = new Set<Running>();
  /** `${id} ${queue}` → what to call it. */
  readonly #expected = new Map<string, string>();
  readonly #waiters = new Set<() => void>();

  get quiet(): boolean {
    return this.#running.size === 0 && this.#expected.size === 0;
  }

  /**
   * Work under way until `done` settles. `settled` runs first, with its outcome (undefined when it
   * rejected), so that what it records or expects is in place before quiet is checked.
   */
  begin<T>(what: string, done: Promise<T>, settled?: (outcome: { ok: true; value: T } | { ok: false; error: unknown }) => void): void {
    const entry: Running = { what };
    this.#running.add(entry);
    const end = (outcome: { ok: true; value: T } | { ok: false; error: unknown }) => {
      settled?.(outcome);
      this.#running.delete(entry);
      this.#check();
    };
    done.then(
      (value) => end({ ok: true, value }),
      (error: unknown) => end({ ok: false, error }),
    );
  }

  /** A delivery of message `id` to `queue` is bound to come. */
  expect(id: string, queue: string, what: string): void {
    this.#expected.set(`${id} ${queue}`, what);
  }

  /** Message `id` was delivered from `queue` and acknowledged. */
  arrived(id: string, queue: string): void {
    this.#expected.delete(`${id} ${queue}`);
  }

  /** Message `id` will not be delivered anywhere (its publish failed). */
  cancel(id: string): void {
    for (const key of this.#expected.keys()) if (key.startsWith(`${id} `)) this.#expected.delete(key);
    this.#check();
  }

  /** What is still under way or awaited, for a timeout's message. */
  describe(): string[] {
    return [...[...this.#running].map((entry) => entry.what), ...[...this.#expected.values()].map((what) => `${what}: not delivered yet`)];
  }

  /** Resolves as soon as nothing is under way or awaited; at once if already so. */
  whenQuiet(): { promise: Promise<void>; cancel(): void } {
    if (this.quiet) return { promise: Promise.resolve(), cancel: () => {} };
    let waiter = (): void => {};
    const promise = new Promise<void>((resolve) => (waiter = resolve));
    this.#waiters.add(waiter);
    return { promise, cancel: () => this.#waiters.delete(waiter) };
  }

  #check(): void {
    if (!this.quiet) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter();
  }
}
