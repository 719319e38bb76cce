import { expect } from 'vitest';
import type { Bus } from '@remit/core';
import { waitFor } from './broker.js';

export type Sequence = { seq: number };

/**
 * Counts every event of a fault test: sent, confirmed, rejected, still pending, and what each
 * handler saw. `lost` is what the broker confirmed but a handler never saw.
 */
export class Ledger {
  published = 0;
  readonly confirmed = new Set<number>();
  /** When each event was confirmed (performance.now()). */
  readonly confirmedAt = new Map<number, number>();
  readonly rejected: { seq: number; error: string }[] = [];
  readonly #pending = new Set<number>();
  readonly #handled = new Map<string, number[]>();
  readonly #handledAt = new Map<string, number[]>();

  /** Records a handler's view; returns the function to register with `bus.on`. */
  handler(name: string): (event: Sequence) => void {
    const seen: number[] = [];
    const at: number[] = [];
    this.#handled.set(name, seen);
    this.#handledAt.set(name, at);
    return (event) => {
      seen.push(event.seq);
      at.push(performance.now());
    };
  }

  /** The first time (performance.now()) the handler ran after `after`, or null. */
  firstHandledAfter(name: string, after: number): number | null {
    return this.#handledAt.get(name)?.find((at) => at > after) ?? null;
  }

  /** The first time (performance.now()) a publish was confirmed after `after`, or null. */
  firstConfirmedAfter(after: number): number | null {
    let first: number | null = null;
    for (const at of this.confirmedAt.values()) if (at > after && (first === null || at < first)) first = at;
    return first;
  }

  publish(bus: Bus<{ seq: Sequence }>, seq: number): Promise<void> {
    this.published++;
    this.#pending.add(seq);
    return bus.publish('seq', { seq }).then(
      () => {
        this.#pending.delete(seq);
        this.confirmed.add(seq);
        this.confirmedAt.set(seq, performance.now());
      },
      (error: unknown) => {
        this.#pending.delete(seq);
        this.rejected.push({ seq, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      },
    );
  }

  /** Publishes `count` events, one every `intervalMs`, calling `during` once `faultAt` were sent. */
  async stream(
    bus: Bus<{ seq: Sequence }>,
    options: { count: number; intervalMs: number; faultAt: number; fault: () => Promise<void> },
  ): Promise<void> {
    const sends: Promise<void>[] = [];
    let fault: Promise<void> = Promise.resolve();
    for (let seq = 0; seq < options.count; seq++) {
      if (seq === options.faultAt) fault = options.fault();
      sends.push(this.publish(bus, seq));
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
    await fault;
    await Promise.all(sends);
  }

  get pending(): number {
    return this.#pending.size;
  }

  handled(name: string): number[] {
    return this.#handled.get(name) ?? [];
  }

  /** Confirmed events the handler never saw. */
  lost(name: string): number[] {
    const seen = new Set(this.handled(name));
    return [...this.confirmed].filter((seq) => !seen.has(seq));
  }

  duplicates(name: string): number {
    const seen = this.handled(name);
    return seen.length - new Set(seen).size;
  }

  /**
   * Waits (up to 30 s) until the named handlers have seen every confirmed event, gives late
   * duplicates a moment to show up, and logs the account. Never throws: the assertions judge.
   */
  async settle(handlers: string[], label: string): Promise<void> {
    await waitFor(
      `every confirmed event at ${handlers.join(', ')}`,
      () => handlers.every((handler) => this.lost(handler).length === 0),
      30_000,
    ).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    console.log(this.summary(label));
  }

  /** A one-line account for the test log and the reliability doc. */
  summary(label: string): string {
    const handlers = [...this.#handled.keys()]
      .map((name) => `${name}: handled ${new Set(this.handled(name)).size}, lost ${this.lost(name).length}, dup ${this.duplicates(name)}`)
      .join('; ');
    return `[fault] ${label}: published ${this.published}, confirmed ${this.confirmed.size}, rejected ${this.rejected.length}, pending ${this.pending}; ${handlers}`;
  }
}

/** Nothing pending or rejected, and the named handlers saw every confirmed event exactly once. */
export function expectNothingLost(ledger: Ledger, handlers: string[]): void {
  expect(ledger.pending).toBe(0);
  expect(ledger.rejected).toEqual([]);
  expect(ledger.confirmed.size).toBe(ledger.published);
  for (const handler of handlers) {
    expect(ledger.lost(handler), `${handler} lost`).toEqual([]);
    expect(ledger.duplicates(handler), `${handler} duplicates`).toBe(0);
  }
}
