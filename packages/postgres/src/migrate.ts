import type { Pool } from 'pg';
import type { OutboxTables } from './sql-names.js';
import { withTransaction } from './transactions/with-transaction.js';

/**
 * The SQL that creates the outbox and inbox, each statement safe to run again. Exported so a team
 * that applies migrations with its own tool can copy it (`outboxSchemaSql(...)`).
 *
 * - `remit_outbox`: one row per event waiting to be sent. `seq` orders them (the relay sends in
 *   `seq` order); `id` becomes `meta.id`; `body` holds the bytes the bus's codec produced inside the
 *   writer's transaction; `status` is `pending` or `failed` (a poison row, kept with its error).
 * - A statement-level trigger notifies the relay's channel on insert; PostgreSQL delivers the
 *   notification at commit, and never for a rolled-back transaction.
 * - `remit_inbox`: one row per (handler, event id) whose effects committed.
 */
export function outboxSchemaSql(tables: OutboxTables): string[] {
  const { outbox, inbox, notifyFunction, outboxName, inboxName, channel, schema } = tables;
  return [
    ...(schema ? [`CREATE SCHEMA IF NOT EXISTS "${schema}"`] : []),
    `CREATE TABLE IF NOT EXISTS ${outbox} (
      seq bigserial PRIMARY KEY,
      id text NOT NULL,
      name text NOT NULL,
      codec text NOT NULL,
      body bytea NOT NULL,
      options jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      failed_at timestamptz
    )`,
    // The relay reads pending rows in seq order; failed rows stay out of its way.
    `CREATE INDEX IF NOT EXISTS "${outboxName}_pending" ON ${outbox} (seq) WHERE status = 'pending'`,
    `CREATE OR REPLACE FUNCTION ${notifyFunction}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${channel}', '');
        RETURN NULL;
      END
    $$`,
    // Created only when missing: replacing it would lock the table against writers on every start.
    `DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '${outboxName}_notify' AND tgrelid = '${outbox}'::regclass) THEN
        CREATE TRIGGER "${outboxName}_notify" AFTER INSERT ON ${outbox} FOR EACH STATEMENT EXECUTE FUNCTION ${notifyFunction}();
      END IF;
    END $$`,
    `CREATE TABLE IF NOT EXISTS ${inbox} (
      handler text NOT NULL,
      id text NOT NULL,
      handled_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (handler, id)
    )`,
    `CREATE INDEX IF NOT EXISTS "${inboxName}_handled_at" ON ${inbox} (handled_at)`,
  ];
}

/** Creates whatever is missing, in one transaction, under an advisory lock so parallel starts do not race. */
export async function migrate(pool: Pool, tables: OutboxTables): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [tables.migrateLockKey]);
    for (const statement of outboxSchemaSql(tables)) await client.query(statement);
  });
}
