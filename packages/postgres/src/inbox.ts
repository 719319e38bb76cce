import type { Pool, PoolClient } from 'pg';
import { ConfigError, type EventHandler, type EventMeta } from '@remit/core';
import { explainMissingTable } from './errors.js';
import type { OutboxTables } from './sql-names.js';
import { withTransaction } from './transactions/with-transaction.js';

/** A handler whose database writes go through `tx`, the transaction that also records the event as handled. */
export type InboxHandler<T> = (payload: T, meta: EventMeta, tx: PoolClient) => unknown;

export interface InboxOptions {
  /**
   * The handler's name in the inbox table: a redelivery is recognised by (name, meta.id), so it
   * must stay the same across deploys, and differ between handlers of the same event.
   * @default the handler function's name
   */
  name?: string;
}

export interface InboxCounters {
  handled: number;
  duplicates: number;
}

/** Wraps `handler` to run in a transaction with its inbox record; see PostgresOutbox.inbox. */
export function inboxHandler<T>(
  handler: InboxHandler<T>,
  options: InboxOptions,
  deps: { pool: Pool; tables: OutboxTables; counters: InboxCounters },
): EventHandler<T> {
  if (typeof handler !== 'function') throw new ConfigError('handler', 'expected a function (payload, meta, tx) => ….');
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected an object: { name? }.');
  const name = options.name ?? handler.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new ConfigError(
      'name',
      'an inbox handler needs a stable name of 1 to 200 characters: give the function a name, or pass { name: "reserve-stock" }.',
    );
  }
  const { pool, tables, counters } = deps;
  const run = async (payload: T, meta: EventMeta): Promise<void> => {
    const ran = await withTransaction(pool, async (tx) => {
      // Waits for a concurrent run of the same event to commit or roll back, then skips or proceeds.
      const recorded = await tx
        .query(`INSERT INTO ${tables.inbox} (handler, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [name, meta.id])
        .catch((error: unknown) => {
          throw explainMissingTable(error, tables.inbox);
        });
      if (recorded.rowCount === 0) return false;
      await handler(payload, meta, tx);
      return true;
    });
    // Counted once committed: a rolled-back run counts as neither.
    if (ran) counters.handled++;
    else counters.duplicates++;
  };
  // remit names handlers after their function: dead letters and metrics then show the inbox name.
  Object.defineProperty(run, 'name', { value: name });
  return run;
}
