import { createHash } from 'node:crypto';
import { ConfigError } from '@remit/core';

/** A plain PostgreSQL identifier: no quoting surprises, no case folding, within NAMEDATALEN. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The outbox's tables and what is derived from their names, quoted and ready for SQL. */
export interface OutboxTables {
  /** `"schema"."remit_outbox"` or `"remit_outbox"`, for SQL. */
  readonly outbox: string;
  readonly inbox: string;
  /** The trigger function that notifies the relay. */
  readonly notifyFunction: string;
  readonly schema: string | undefined;
  /** The outbox table's name, unquoted (for its trigger and index names). */
  readonly outboxName: string;
  readonly inboxName: string;
  /** The LISTEN/NOTIFY channel: derived from the qualified table name, so outboxes never wake each other. */
  readonly channel: string;
  /** The advisory lock key (a bigint as a string) that one relay per outbox table holds. */
  readonly lockKey: string;
  /** A second key, for migrate(): two instances starting at once create the tables once. */
  readonly migrateLockKey: string;
}

function identifier(field: string, value: unknown, fallback: string | undefined): string | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new ConfigError(field, 'expected a lower-case SQL identifier: letters a–z, digits and "_", not starting with a digit, at most 63 characters.');
  }
  return value;
}

/** A signed 64-bit key from a name, as pg_advisory_lock takes it. */
function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

export function outboxTables(schema: unknown, outboxTable: unknown, inboxTable: unknown): OutboxTables {
  const schemaName = identifier('schema', schema, undefined);
  const outboxName = identifier('outboxTable', outboxTable, 'remit_outbox') ?? 'remit_outbox';
  const inboxName = identifier('inboxTable', inboxTable, 'remit_inbox') ?? 'remit_inbox';
  const qualify = (name: string) => (schemaName ? `"${schemaName}"."${name}"` : `"${name}"`);
  const qualified = `${schemaName ?? ''}.${outboxName}`;
  return {
    outbox: qualify(outboxName),
    inbox: qualify(inboxName),
    notifyFunction: qualify(`${outboxName}_notify`),
    schema: schemaName,
    outboxName,
    inboxName,
    channel: `remit_outbox_${createHash('sha256').update(qualified).digest('hex').slice(0, 16)}`,
    lockKey: lockKey(`remit-outbox-relay:${qualified}`),
    migrateLockKey: lockKey(`remit-outbox-migrate:${qualified}`),
  };
}
