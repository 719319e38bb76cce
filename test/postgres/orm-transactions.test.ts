import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { Kysely, PostgresDialect, sql as kyselySql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { order, type Order, OutboxWorld } from './outbox-setup.js';

let world: OutboxWorld;
afterEach(async () => {
  await world.cleanup();
});

/** A started publisher with its outbox relay, and a receiver that keeps what it hears. */
async function relayAndReceiver() {
  world = await OutboxWorld.create();
  const { bus, seen } = await world.ordersToBilling('order.placed');
  const outbox = await world.outbox(bus);
  await outbox.start();
  return { outbox, seen };
}

describe('outbox.publish() inside the transactions of the query builders teams use', () => {
  it('a Kysely transaction: the event commits and rolls back with the rows Kysely wrote', async () => {
    const { outbox, seen } = await relayAndReceiver();
    const db = new Kysely<{ orders: { id: string; total: number } }>({ dialect: new PostgresDialect({ pool: world.schema.pool() }) });
    try {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('orders').values({ id: 'k-1', total: 5 }).execute();
        await outbox.publish(trx, 'order.placed', order('k-1', 5));
      });
      const rolledBack = await db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('orders').values({ id: 'k-2', total: 6 }).execute();
          const id = await outbox.publish(trx, 'order.placed', order('k-2', 6));
          // Kysely's own raw SQL in the same transaction sees the outbox row.
          const { rows } = await kyselySql<{ n: number }>`SELECT count(*)::int AS n FROM remit_outbox WHERE id = ${id}`.execute(trx);
          throw new Error(`rolled back with ${rows[0]?.n} row`);
        })
        .catch((error: Error) => error.message);
      expect(rolledBack).toBe('rolled back with 1 row');
      // A Kysely instance outside a transaction would commit the row on its own: refused.
      await expect(outbox.publish(db, 'order.placed', order('k-3'))).rejects.toMatchObject({ reason: 'not-in-transaction' });

      await waitFor('the committed event', () => seen.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(seen.map((event) => event.payload)).toEqual([order('k-1', 5)]);
      expect(await world.schema.count('orders')).toBe(1);
    } finally {
      await db.destroy();
    }
  });

  it('a Drizzle transaction (node-postgres): the event commits and rolls back with the rows Drizzle wrote', async () => {
    const { outbox, seen } = await relayAndReceiver();
    const orders = pgTable('orders', { id: text('id').primaryKey(), total: integer('total').notNull() });
    const db = drizzle({ client: world.schema.pool() });
    await db.transaction(async (tx) => {
      await tx.insert(orders).values({ id: 'd-1', total: 7 });
      await outbox.publish(tx, 'order.placed', order('d-1', 7));
    });
    const rolledBack = await db
      .transaction(async (tx) => {
        await tx.insert(orders).values({ id: 'd-2', total: 8 });
        const id = await outbox.publish(tx, 'order.placed', order('d-2', 8));
        const result = await tx.execute<{ n: number }>(drizzleSql`SELECT count(*)::int AS n FROM remit_outbox WHERE id = ${id}`);
        throw new Error(`rolled back with ${result.rows[0]?.n} row`);
      })
      .catch((error: Error) => error.message);
    expect(rolledBack).toBe('rolled back with 1 row');
    // The database object itself runs each query on its own connection: refused.
    await expect(outbox.publish(db, 'order.placed', order('d-3'))).rejects.toMatchObject({ reason: 'not-in-transaction' });

    await waitFor('the committed event', () => seen.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(seen.map((event) => event.payload)).toEqual([order('d-1', 7)]);
    expect(await world.schema.count('orders')).toBe(1);
  });
});
