import type { Pool } from 'pg';
import { ConfigError } from '@remit/core';
import type { OutboxBus } from './outbox-bus.js';
import { type OutboxTables, outboxTables } from './sql-names.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const KNOWN = [
  'bus',
  'pool',
  'schema',
  'outboxTable',
  'inboxTable',
  'pollIntervalMs',
  'batchSize',
  'standbyPollMs',
  'maxAttempts',
  'inboxRetentionMs',
  'closeTimeoutMs',
  'onError',
];

/** What went wrong in the relay, for `onError`. */
export interface OutboxFailure {
  /** `relay`: the relay could not read, send or delete (it retries); `poison`: a row went to `failed`. */
  readonly kind: 'relay' | 'poison';
  readonly error: Error;
  /** The event's id (`meta.id`) and name, for a row. */
  readonly id?: string;
  readonly event?: string;
}

export interface PostgresOutboxOptions<B extends OutboxBus = OutboxBus> {
  /** The bus the relay publishes with; its schemas and codec check and encode each event at write time. */
  bus: B;
  /** A `pg` Pool. The relay holds one of its connections (for the advisory lock and LISTEN) while it runs. */
  pool: Pool;
  /**
   * The PostgreSQL schema of both tables.
   * @default the connection's search_path (usually `public`)
   */
  schema?: string;
  /** @default 'remit_outbox' */
  outboxTable?: string;
  /** @default 'remit_inbox' */
  inboxTable?: string;
  /**
   * How often the relay looks for rows without being notified (a lost notification, rows written
   * while it was down or by a writer without the trigger).
   * @default 1000
   */
  pollIntervalMs?: number;
  /**
   * Rows read, published (all in flight at once, confirmed in order) and deleted per round trip.
   * Keep it well under the transport's outbox bound (10,000 by default).
   * @default 500
   */
  batchSize?: number;
  /**
   * How often a standing-by relay tries to take the lock, i.e. how soon it takes over when the
   * active relay dies (PostgreSQL frees the lock as soon as the dead relay's connection closes).
   * @default 2000
   */
  standbyPollMs?: number;
  /**
   * Tries before a row whose publish keeps failing while the broker is connected (a nack, a
   * timeout, a channel the message itself closes) goes to `failed`. A row the bus refuses outright
   * (an unknown codec, a body over maxPayloadBytes, a bad name) fails at once; while the broker is
   * unreachable nothing is counted: the rows wait.
   * @default 5
   */
  maxAttempts?: number;
  /**
   * How long inbox records are kept, i.e. how late a redelivery can still be recognised. The active
   * relay deletes older ones once a minute.
   * @default 604800000 (7 days)
   */
  inboxRetentionMs?: number;
  /**
   * How long `close()` waits for the batch in flight before giving up on it (its rows stay and
   * are sent again, with the same ids, by the next relay).
   * @default 10000
   */
  closeTimeoutMs?: number;
  /**
   * Hears every relay failure and every row moved to `failed`.
   * @default one line to console.error per failure
   */
  onError?: (failure: OutboxFailure) => void;
}

export interface NormalizedOutboxOptions<B extends OutboxBus> {
  bus: B;
  pool: Pool;
  tables: OutboxTables;
  pollIntervalMs: number;
  batchSize: number;
  standbyPollMs: number;
  maxAttempts: number;
  inboxRetentionMs: number;
  closeTimeoutMs: number;
  onError: (failure: OutboxFailure) => void;
}

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `expected an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : typeof value}.`);
  }
  return value;
}

function logFailure(failure: OutboxFailure): void {
  const row = failure.id ? ` (event "${failure.event ?? '?'}", id ${failure.id})` : '';
  console.error(`[remit outbox] ${failure.kind} failure${row}: ${failure.error.message}`);
}

/** Checks every option (ConfigError naming the field) and applies the defaults. */
export function normalizeOutboxOptions<B extends OutboxBus>(options: PostgresOutboxOptions<B>): NormalizedOutboxOptions<B> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected an object: { bus, pool, … }.');
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new ConfigError(key, `unknown option. Known options: ${KNOWN.join(', ')}.`);
  }
  const { bus, pool, onError } = options;
  if (typeof bus !== 'object' || bus === null || typeof bus.encode !== 'function' || typeof bus.publishEncoded !== 'function') {
    throw new ConfigError('bus', 'expected a remit bus (createBus(), or EventBus in Nest) of @remit/core with encode() and publishEncoded().');
  }
  if (typeof pool !== 'object' || pool === null || typeof pool.connect !== 'function' || typeof pool.query !== 'function') {
    throw new ConfigError('pool', 'expected a pg Pool (new Pool({ connectionString })).');
  }
  if (onError !== undefined && typeof onError !== 'function') throw new ConfigError('onError', 'expected a function.');
  return {
    bus,
    pool,
    tables: outboxTables(options.schema, options.outboxTable, options.inboxTable),
    pollIntervalMs: integer('pollIntervalMs', options.pollIntervalMs, 1000, 10, 3_600_000),
    batchSize: integer('batchSize', options.batchSize, 500, 1, 5000),
    standbyPollMs: integer('standbyPollMs', options.standbyPollMs, 2000, 10, 3_600_000),
    maxAttempts: integer('maxAttempts', options.maxAttempts, 5, 1, 1000),
    inboxRetentionMs: integer('inboxRetentionMs', options.inboxRetentionMs, 7 * DAY_MS, 1000, 3650 * DAY_MS),
    closeTimeoutMs: integer('closeTimeoutMs', options.closeTimeoutMs, 10_000, 0, 3_600_000),
    onError: onError ?? logFailure,
  };
}
