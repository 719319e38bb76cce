import type { Pool, PoolClient } from 'pg';
import { OutboxError } from '../errors.js';

/** pg-pool's flags, set by `pool.end()`; not in @types/pg. */
function isEnded(pool: Pool): boolean {
  return Reflect.get(pool, 'ending') === true || Reflect.get(pool, 'ended') === true;
}

/** A client of the pool, or an OutboxError that says the pool was ended and what to do. */
export async function connectClient(pool: Pool): Promise<PoolClient> {
  if (isEnded(pool)) throw poolClosed();
  try {
    return await pool.connect();
  } catch (error) {
    if (isEnded(pool)) throw poolClosed(error);
    throw error;
  }
}

function poolClosed(cause?: unknown): OutboxError {
  return new OutboxError(
    'pool-closed',
    'The pg Pool given to the outbox has been ended (pool.end()). Close the outbox (and its bus) before ending the pool, ' +
      'or create the outbox with an open pool.',
    cause === undefined ? {} : { cause },
  );
}

/**
 * Runs `work` inside `BEGIN … COMMIT` on a client of the pool, and returns what it returned. If
 * `work` throws, the transaction is rolled back and the error rethrown; rows written with
 * `outbox.publish(tx, …)` then vanish with everything else, so their events are never sent.
 *
 * @example
 * await withTransaction(pool, async (tx) => {
 *   await tx.query('INSERT INTO orders (id, total) VALUES ($1, $2)', [order.id, order.total]);
 *   await outbox.publish(tx, 'order.placed', order);
 * });
 */
export async function withTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await connectClient(pool);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // A connection that cannot even roll back must not go back to the pool.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
