import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { ConfigError, type EventHandler, type EventName, type HeaderValue, type Destination } from '@remit/core';
import { explainMissingTable } from './errors.js';
import { type OutboxStats, outboxPrometheusText } from './outbox-metrics.js';
import { inboxHandler, type InboxCounters, type InboxHandler, type InboxOptions } from './inbox.js';
import { migrate, outboxSchemaSql } from './migrate.js';
import type { EncodeEvent, EventsOf, OutboxBus, PayloadsOf } from './outbox-bus.js';
import { type NormalizedOutboxOptions, normalizeOutboxOptions, type PostgresOutboxOptions } from './outbox-options.js';
import { Relay } from './relay/relay.js';
import { type OutboxTransaction, sqlRunner } from './transactions/transaction-runner.js';
import { withTransaction } from './transactions/with-transaction.js';

/** Options of `outbox.publish()`: those of `bus.publish()` that make sense for an event sent later. */
export interface OutboxPublishOptions {
  /** Application headers, delivered in `meta.headers`. */
  headers?: Record<string, HeaderValue>;
  /**
   * Ask the broker to write the event to disk.
   * @default true
   */
  persistent?: boolean;
  /** Address one service or instance, as with `bus.publish(…, { to })`. */
  to?: string | Destination;
}

const PUBLISH_KEYS = ['headers', 'persistent', 'to'];
/** Rows per INSERT statement of publishAll. */
const INSERT_CHUNK = 1000;

/** One event of `publishAll`, typed by the bus's event map. */
export type OutboxEvent<E, P = E> = {
  [K in EventName<E>]: { name: K; payload: K extends keyof P ? P[K] : unknown; options?: OutboxPublishOptions };
}[EventName<E>];

function checkPublishOptions(options: unknown): OutboxPublishOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected an object: { headers?, persistent?, to? }.');
  for (const key of Object.keys(options)) {
    if (!PUBLISH_KEYS.includes(key)) {
      throw new ConfigError(key, `is not an outbox publish option (the relay sets id and local). Known options: ${PUBLISH_KEYS.join(', ')}.`);
    }
  }
  return options as OutboxPublishOptions;
}

/**
 * The transactional outbox of one bus on one PostgreSQL database. See `postgresOutbox`.
 * `E` is the bus's event map, `P` what its `publish` takes per event.
 */
export class PostgresOutbox<E extends object = Record<string, unknown>, P = E> implements AsyncDisposable {
  readonly #options: NormalizedOutboxOptions<OutboxBus>;
  readonly #relay: Relay;
  readonly #inbox: InboxCounters = { handled: 0, duplicates: 0 };

  constructor(options: NormalizedOutboxOptions<OutboxBus>) {
    this.#options = options;
    this.#relay = new Relay(options);
  }

  /** The pool the outbox writes its inbox records through and the relay takes its connection from. */
  get pool(): Pool {
    return this.#options.pool;
  }

  /** Creates the outbox and inbox tables (and the schema, trigger and indexes) if missing. Safe to run on every start. */
  migrate(): Promise<void> {
    return migrate(this.#options.pool, this.#options.tables);
  }

  /** The statements `migrate()` runs, for teams that apply migrations with their own tool. */
  migrationSql(): string[] {
    return outboxSchemaSql(this.#options.tables);
  }

  /**
   * Saves an event in the caller's transaction: it is sent if and only if the transaction commits.
   * The payload is checked against the bus's schema and encoded with its codec now, so a bad
   * payload (ValidationError, PayloadTooLargeError) rejects here, where the caller can roll back.
   * Resolves with the event's id (`meta.id` at every receiver).
   *
   * `tx` is a pg client inside BEGIN (e.g. from `withTransaction`), a Kysely transaction or a
   * Drizzle transaction on drizzle-orm/node-postgres.
   */
  async publish<K extends EventName<E>>(tx: OutboxTransaction, name: K, payload: K extends keyof P ? P[K] : unknown, options: OutboxPublishOptions = {}): Promise<string> {
    const [id] = await this.publishAll(tx, [{ name, payload, options } as OutboxEvent<E, P>]);
    return id ?? '';
  }

  /**
   * Saves several events in the caller's transaction with one INSERT (one round trip instead of
   * one per event), in the order given. Each is checked and encoded as `publish` does; if any is
   * refused, none is written. Resolves with their ids, in order.
   *
   * @example
   * await outbox.publishAll(tx, [
   *   { name: 'order.placed', payload: order },
   *   { name: 'stock.reserved', payload: { sku, qty }, options: { headers: { tenant } } },
   * ]);
   */
  async publishAll(tx: OutboxTransaction, events: readonly OutboxEvent<E, P>[]): Promise<string[]> {
    const run = sqlRunner(tx);
    if (!Array.isArray(events)) throw new ConfigError('events', 'expected an array of { name, payload, options? }.');
    // The bus's own checks: the name, the options, the schema, the codec and maxPayloadBytes.
    // (publish's signature checked name and payload against the bus's map at compile time.)
    const encode = this.#options.bus.encode.bind(this.#options.bus) as unknown as EncodeEvent;
    const rows: unknown[][] = [];
    for (const event of events) {
      const options = checkPublishOptions(event.options);
      const encoded = await encode(event.name, event.payload, options);
      rows.push([randomUUID(), encoded.name, encoded.codec, encoded.body, Object.keys(options).length === 0 ? null : JSON.stringify(options)]);
    }
    const { outbox } = this.#options.tables;
    // PostgreSQL takes at most 65,535 parameters per statement: 5 per row.
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK);
      const values = chunk.map((_, row) => `($${row * 5 + 1}, $${row * 5 + 2}, $${row * 5 + 3}, $${row * 5 + 4}, $${row * 5 + 5})`);
      try {
        await run(`INSERT INTO ${outbox} (id, name, codec, body, options) VALUES ${values.join(', ')}`, chunk.flat());
      } catch (error) {
        throw explainMissingTable(error, outbox);
      }
    }
    return rows.map((row) => String(row[0]));
  }

  /** Runs `work` in a transaction on this outbox's pool (see `withTransaction`). */
  withTransaction<T>(work: (tx: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.#options.pool, work);
  }

  /**
   * Wraps a handler for exactly-once effects: it runs inside a transaction that also records
   * (name, meta.id) in the inbox table, and a redelivered event whose record committed is acked
   * without running it again. Whatever the handler writes through `tx` commits with the record or
   * not at all. `name` (default: the function's name) must stay the same across deploys.
   *
   * @example
   * bus.on('order.placed', outbox.inbox(async function reserveStock(order, meta, tx) {
   *   await tx.query('UPDATE stock SET reserved = reserved + $1 WHERE sku = $2', [order.qty, order.sku]);
   * }), { group: true });
   */
  inbox<T>(handler: InboxHandler<T>, options: InboxOptions = {}): EventHandler<T> {
    return inboxHandler(handler, options, { pool: this.#options.pool, tables: this.#options.tables, counters: this.#inbox });
  }

  /** Starts the relay; resolves once it sends or stands by for another relay. Idempotent. */
  start(): Promise<void> {
    return this.#relay.start();
  }

  /** Stops the relay and releases its lock and connection. Call it before `bus.close()`. Idempotent. */
  close(): Promise<void> {
    return this.#relay.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * The outbox's metrics as Prometheus text (`remit_outbox_waiting`, `remit_outbox_oldest_age_seconds`,
   * `remit_outbox_sent_total`, `remit_outbox_relay_status` …), to serve after the bus's.
   *
   * @example
   * app.get('/metrics', async (_req, res) => res.type('text/plain').send(prometheusText(bus) + (await outbox.metrics())));
   */
  async metrics(): Promise<string> {
    return outboxPrometheusText(this.#options.bus.service, await this.stats());
  }

  /** The relay's counters and the table's backlog (one query). */
  async stats(): Promise<OutboxStats> {
    const { rows } = await this.#options.pool.query<{ waiting: string; failed: string; oldest_ms: number | null }>(
      `SELECT count(*) FILTER (WHERE status = 'pending') AS waiting,
              count(*) FILTER (WHERE status = 'failed') AS failed,
              (extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')) * 1000)::float8 AS oldest_ms
         FROM ${this.#options.tables.outbox}`,
    ).catch((error: unknown) => {
      throw explainMissingTable(error, this.#options.tables.outbox);
    });
    const row = rows[0];
    return {
      relay: this.#relay.status,
      sent: this.#relay.counters.sent,
      failed: this.#relay.counters.failed,
      waiting: Number(row?.waiting ?? 0),
      failedRows: Number(row?.failed ?? 0),
      oldestAgeMs: row?.oldest_ms ?? null,
      inboxHandled: this.#inbox.handled,
      inboxDuplicates: this.#inbox.duplicates,
    };
  }
}

/**
 * A transactional outbox and inbox for `bus` on PostgreSQL: events saved with `publish(tx, …)` in
 * the same transaction as your data are sent if and only if it commits, by a relay that any number
 * of instances may run (one sends, the others stand by). Options are checked here (ConfigError).
 *
 * @example
 * const outbox = postgresOutbox({ bus, pool });
 * await outbox.migrate();
 * await outbox.start();
 * await withTransaction(pool, async (tx) => {
 *   await tx.query('INSERT INTO orders (id) VALUES ($1)', [order.id]);
 *   await outbox.publish(tx, 'order.placed', order);
 * });
 */
export function postgresOutbox<B extends OutboxBus>(options: PostgresOutboxOptions<B>): PostgresOutbox<EventsOf<B>, PayloadsOf<B>> {
  return new PostgresOutbox<EventsOf<B>, PayloadsOf<B>>(normalizeOutboxOptions(options));
}

