import { randomUUID } from 'node:crypto';
import { ConfigError } from '@remit/core';
import { OutboxError } from '../errors.js';

/** Runs one parameterised statement inside the caller's transaction. */
export type SqlRunner = (text: string, values: unknown[]) => Promise<unknown>;

/** A `pg` client (PoolClient or Client), as far as the outbox uses it. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * A Kysely transaction (`db.transaction().execute(async (trx) => …)`), as far as the outbox uses it:
 * its public `executeQuery`, given a compiled raw query (the parameter is `never` here so that every
 * Kysely version's signature fits).
 */
export interface KyselyTransactionLike {
  readonly isTransaction: boolean;
  executeQuery(query: never): Promise<unknown>;
}

/** A Drizzle transaction on drizzle-orm/node-postgres (`db.transaction(async (tx) => …)`). */
export interface DrizzleTransactionLike {
  readonly _: { readonly session: unknown };
}

/** What `outbox.publish(tx, …)` accepts as the transaction: a pg client inside BEGIN, or a Kysely or Drizzle transaction. */
export type OutboxTransaction = PgQueryable | KyselyTransactionLike | DrizzleTransactionLike;

function isObject(value: unknown): value is object {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function method(target: object, name: string): ((...args: unknown[]) => unknown) | undefined {
  const value: unknown = Reflect.get(target, name);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown) : undefined;
}

/** A pg Pool commits each query on its own: a row written through it would not share the caller's transaction. */
function isPool(target: object): boolean {
  return method(target, 'connect') !== undefined && typeof Reflect.get(target, 'totalCount') === 'number';
}

function notInTransaction(what: string): OutboxError {
  return new OutboxError(
    'not-in-transaction',
    `outbox.publish() was given ${what} that is not inside a transaction, so the event would be saved whatever happens ` +
      'to the rest of your work. Pass the client of a transaction: withTransaction(pool, (tx) => outbox.publish(tx, …)), ' +
      "or BEGIN on a pool client first, or a Kysely or Drizzle transaction object.",
  );
}

/** A pg client's transaction status ('I' idle, 'T' in a transaction, 'E' failed), where pg reports it (8.13+). */
function checkPgClient(client: object, what: string): void {
  const status = method(client, 'getTransactionStatus')?.call(client);
  if (status === 'I') throw notInTransaction(what);
}

/**
 * How to run SQL in the caller's transaction, whatever they hold:
 * - a pg client (`query(text, values)`), checked to be inside BEGIN where pg tells;
 * - a Kysely transaction: a raw compiled query through its public `executeQuery`, shaped as
 *   Kysely's own `CompiledQuery.raw(sql, parameters)` builds it;
 * - a Drizzle transaction on node-postgres: its session's pg client, which Drizzle has put inside
 *   BEGIN (Drizzle runs a transaction on one client of the pool).
 */
export function sqlRunner(tx: unknown): SqlRunner {
  if (!isObject(tx)) throw new ConfigError('tx', 'expected a pg client inside a transaction, or a Kysely or Drizzle transaction.');
  if (isPool(tx)) throw notInTransaction('a pg Pool');
  const query = method(tx, 'query');
  if (query) {
    checkPgClient(tx, 'a pg client');
    return (text, values) => Promise.resolve(query.call(tx, text, values));
  }
  const executeQuery = method(tx, 'executeQuery');
  if (executeQuery) {
    if (Reflect.get(tx, 'isTransaction') !== true) throw notInTransaction('a Kysely instance');
    return (text, values) =>
      Promise.resolve(
        executeQuery.call(tx, {
          sql: text,
          parameters: values,
          query: { kind: 'RawNode', sqlFragments: [text], parameters: [] },
          queryId: { queryId: randomUUID() },
        }),
      );
  }
  const internals: unknown = Reflect.get(tx, '_');
  const session: unknown = isObject(internals) ? Reflect.get(internals, 'session') : undefined;
  const client: unknown = isObject(session) ? Reflect.get(session, 'client') : undefined;
  if (isObject(client) && method(client, 'query') && !isPool(client)) {
    checkPgClient(client, 'a Drizzle database');
    const clientQuery = method(client, 'query');
    if (clientQuery) return (text, values) => Promise.resolve(clientQuery.call(client, text, values));
  }
  if (isObject(client) && isPool(client)) throw notInTransaction('a Drizzle database');
  throw new ConfigError(
    'tx',
    'expected a pg client inside a transaction, a Kysely transaction, or a Drizzle transaction on drizzle-orm/node-postgres.',
  );
}
