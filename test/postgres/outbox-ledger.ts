import type { Bus } from '@remit/core';
import type { Events } from './outbox-setup.js';

type Seq = Events['seq'];

/**
 * Counts every event of an outbox fault test: committed (read back from the database), sent (the
 * relays' counters), handled, handled twice, dropped by the receiver's duplicate window, and lost.
 */
export class OutboxLedger {
  readonly #handled = new Map<string, number>();
  /** Events of each transaction in the order the handler saw them. */
  readonly #byTx = new Map<number, number[]>();

  /** The handler to register on the receiving bus. */
  readonly handler = (event: Seq): void => {
    const key = `${event.tx}.${event.i}`;
    this.#handled.set(key, (this.#handled.get(key) ?? 0) + 1);
    const order = this.#byTx.get(event.tx) ?? [];
    order.push(event.i);
    this.#byTx.set(event.tx, order);
  };

  get handled(): number {
    return this.#handled.size;
  }

  /** Handler runs beyond the first per event: what reached a handler twice. */
  get duplicates(): number {
    let extra = 0;
    for (const count of this.#handled.values()) extra += count - 1;
    return extra;
  }

  /** Committed events (transactions × events per transaction) that no handler saw. */
  lost(transactions: number[], perTx: number): string[] {
    const missing: string[] = [];
    for (const tx of transactions) for (let i = 0; i < perTx; i++) if (!this.#handled.has(`${tx}.${i}`)) missing.push(`${tx}.${i}`);
    return missing;
  }

  /** Transactions whose events reached the handler out of the order they were written. */
  outOfOrder(): number[] {
    return [...this.#byTx].filter(([, order]) => order.some((i, index) => index > 0 && i < (order[index - 1] ?? -1))).map(([tx]) => tx);
  }

  /** The `[fault]` line of the test log. */
  summary(label: string, counts: { committed: number; sent: number | string; receiver: Bus<Events>; lost: number }): string {
    const line =
      `[fault] ${label}: committed ${counts.committed}, sent ${counts.sent}, handled ${this.handled}, ` +
      `duplicates dropped ${counts.receiver.stats().duplicates}, handled twice ${this.duplicates}, lost ${counts.lost}`;
    console.log(line);
    return line;
  }
}
