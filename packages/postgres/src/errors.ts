import { RemitError } from '@remit/core';

/** Why an outbox operation failed, for callers that branch on it. */
export type OutboxErrorReason = 'not-migrated' | 'pool-closed' | 'closed' | 'not-in-transaction';

/**
 * The outbox could not do what was asked: its tables are missing, its pool was ended, it was
 * closed, or a write was made outside a transaction. The message says what to do.
 */
export class OutboxError extends RemitError {
  readonly reason: OutboxErrorReason;

  constructor(reason: OutboxErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'OutboxError';
    this.reason = reason;
  }
}

/** PostgreSQL's SQLSTATE for a table that does not exist. */
const UNDEFINED_TABLE = '42P01';

/** A pg error's SQLSTATE, when it has one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code: unknown = Reflect.get(error, 'code');
  return typeof code === 'string' ? code : undefined;
}

/** Turns "relation does not exist" into an error that says to run migrate(); anything else as it is. */
export function explainMissingTable(error: unknown, table: string): unknown {
  if (sqlState(error) !== UNDEFINED_TABLE) return error;
  return new OutboxError(
    'not-migrated',
    `The outbox table ${table} does not exist in this database. Run \`await outbox.migrate()\` once at start-up ` +
      '(it creates the tables if missing and is safe to run on every start), or check the schema and table options.',
    { cause: error },
  );
}
