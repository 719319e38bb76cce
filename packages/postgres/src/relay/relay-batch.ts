import type { PoolClient } from 'pg';
import type { PublishOptions } from '@remit/core';
import type { OutboxFailure } from '../outbox-options.js';
import type { OutboxBus } from '../outbox-bus.js';
import type { OutboxTables } from '../sql-names.js';

/** Errors after which the bus will never send this row: it goes to `failed` at once. */
const REFUSED = new Set(['ConfigError', 'PayloadTooLargeError', 'ValidationError', 'DecodeError']);
/** Errors that say the broker is away or the bus is closing: the row waits, nothing is counted. */
const UNAVAILABLE = new Set(['ClosedError', 'BufferFullError', 'ConnectionError']);

interface OutboxRow {
  seq: string;
  id: string;
  name: string;
  codec: string;
  body: Buffer;
  options: PublishOptions | null;
}

export interface BatchOutcome {
  /** Rows read. */
  read: number;
  /** Rows confirmed by the broker and deleted. */
  sent: number;
  /** Rows moved to `failed`. */
  failed: number;
  /** Rows that stay pending because the broker was unavailable (the relay backs off). */
  waiting: number;
}

export interface BatchDeps {
  bus: OutboxBus;
  tables: OutboxTables;
  batchSize: number;
  maxAttempts: number;
  report(failure: OutboxFailure): void;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One round of the relay: reads the oldest pending rows, publishes them all at once (the bus keeps
 * their order and resolves each on the broker's confirm), deletes the confirmed ones, and counts a
 * failed try against the others.
 */
export async function sendBatch(client: PoolClient, deps: BatchDeps): Promise<BatchOutcome> {
  const { tables, bus } = deps;
  const { rows } = await client.query<OutboxRow>(
    `SELECT seq, id, name, codec, body, options FROM ${tables.outbox} WHERE status = 'pending' ORDER BY seq LIMIT $1`,
    [deps.batchSize],
  );
  if (rows.length === 0) return { read: 0, sent: 0, failed: 0, waiting: 0 };
  const results = await Promise.allSettled(
    rows.map((row) => bus.publishEncoded({ name: row.name, codec: row.codec, body: row.body }, { ...row.options, id: row.id })),
  );
  const sent: string[] = [];
  const outcome: BatchOutcome = { read: rows.length, sent: 0, failed: 0, waiting: 0 };
  const connected = bus.health().status === 'connected';
  for (const [index, result] of results.entries()) {
    const row = rows[index];
    if (row === undefined) continue;
    if (result.status === 'fulfilled') {
      sent.push(row.seq);
      continue;
    }
    const error = toError(result.reason);
    if (UNAVAILABLE.has(error.name) || (!connected && !REFUSED.has(error.name))) {
      outcome.waiting++;
      continue;
    }
    if (await countFailure(client, deps, row, error, REFUSED.has(error.name))) outcome.failed++;
    else outcome.waiting++;
  }
  if (sent.length > 0) await client.query(`DELETE FROM ${tables.outbox} WHERE seq = ANY($1::bigint[])`, [sent]);
  outcome.sent = sent.length;
  return outcome;
}

/** Records a failed try; moves the row to `failed` when the bus refused it or it ran out of tries. Returns whether it did. */
async function countFailure(client: PoolClient, deps: BatchDeps, row: OutboxRow, error: Error, refused: boolean): Promise<boolean> {
  const message = `${error.name}: ${error.message}`.slice(0, 2000);
  const { rows } = await client.query<{ status: string }>(
    `UPDATE ${deps.tables.outbox}
        SET attempts = attempts + 1,
            last_error = $2,
            status = CASE WHEN $3 OR attempts + 1 >= $4 THEN 'failed' ELSE status END,
            failed_at = CASE WHEN $3 OR attempts + 1 >= $4 THEN now() ELSE failed_at END
      WHERE seq = $1
      RETURNING status`,
    [row.seq, message, refused, deps.maxAttempts],
  );
  const failed = rows[0]?.status === 'failed';
  if (failed) {
    deps.report({
      kind: 'poison',
      error: new Error(`Outbox row ${row.seq} moved to failed after ${refused ? 'the bus refused it' : `${deps.maxAttempts} tries`}: ${message}`, { cause: error }),
      id: row.id,
      event: row.name,
    });
  }
  return failed;
}
