import { amqp, ConfigError, PayloadTooLargeError, ValidationError } from '@remit/core';
import { OutboxError, type OutboxFailure, withTransaction } from '@remit/postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AMQP_PORT, urlOnPort, waitFor } from '../helpers/broker.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { type Events, order, type Order, OutboxWorld } from './outbox-setup.js';

let world: OutboxWorld;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await world.cleanup();
});

async function setUp() {
  world = await OutboxWorld.create();
  return world;
}

describe('postgresOutbox: an event is sent if and only if its transaction commits', () => {
  it('a committed event is delivered with its types and the row id as meta.id; a rolled-back one never is', async () => {
    const { schema } = await setUp();
    const { bus, seen } = await world.ordersToBilling('order.placed');
    const outbox = await world.outbox(bus);
    await outbox.start();
    const pool = schema.pool();

    const id = await withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO orders (id, total) VALUES ($1, $2)', ['o-1', 10]);
      return outbox.publish(tx, 'order.placed', order('o-1'), { headers: { tenant: 't1' } });
    });
    const rolledBack = await withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO orders (id, total) VALUES ($1, $2)', ['o-2', 20]);
      await outbox.publish(tx, 'order.placed', order('o-2'));
      throw new Error('payment declined');
    }).catch((error: Error) => error.message);

    await waitFor('the committed event', () => seen.length === 1);
    expect(rolledBack).toBe('payment declined');
    expect(seen[0]?.payload).toEqual(order('o-1'));
    expect(seen[0]?.payload.at).toBeInstanceOf(Date);
    expect(seen[0]?.meta).toMatchObject({ id, service: 'orders', headers: { tenant: 't1' } });
    await waitFor('the sent row to be deleted', async () => (await schema.count('remit_outbox')) === 0);
    // Another poll interval and more: the rolled-back event never shows up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.map((event) => event.payload.id)).toEqual(['o-1']);
    expect(await schema.count('orders')).toBe(1);
    expect(await outbox.stats()).toMatchObject({ relay: 'active', sent: 1, failed: 0, waiting: 0, failedRows: 0, oldestAgeMs: null });
    const metrics = parsePrometheusText(await outbox.metrics());
    expect(sampleValue(metrics, 'remit_outbox_sent_total', { service: 'orders' })).toBe(1);
    expect(sampleValue(metrics, 'remit_outbox_waiting', { service: 'orders' })).toBe(0);
    expect(sampleValue(metrics, 'remit_outbox_relay_status', { service: 'orders', status: 'active' })).toBe(1);
    expect(sampleValue(metrics, 'remit_outbox_relay_status', { service: 'orders', status: 'standby' })).toBe(0);
  });

  it('publish() rejects a payload that fails its schema or exceeds maxPayloadBytes inside the transaction, so it rolls back', async () => {
    const { schema } = await setUp();
    const schemas = { 'order.placed': z.object({ id: z.string().min(1), total: z.number().int().positive(), at: z.date() }) };
    const bus = world.topology.bus({ service: 'orders', schemas, maxPayloadBytes: 200 });
    const outbox = await world.outbox(bus as never);
    const pool = schema.pool();
    const attempt = (payload: unknown) =>
      withTransaction(pool, async (tx) => {
        await tx.query('INSERT INTO orders (id, total) VALUES ($1, $2)', ['o-bad', 1]);
        await outbox.publish(tx, 'order.placed', payload as never);
      }).catch((error: unknown) => error);

    const invalid = await attempt({ id: '', total: -1, at: new Date() });
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as ValidationError).message).toContain('order.placed');
    const oversized = await attempt({ id: 'x'.repeat(500), total: 1, at: new Date() });
    expect(oversized).toBeInstanceOf(PayloadTooLargeError);
    const badHeaders = await withTransaction(pool, (tx) => outbox.publish(tx, 'order.placed', order('o') as never, { headers: { 'remit-x': 1 } })).catch((error: unknown) => error);
    expect(badHeaders).toBeInstanceOf(ConfigError);
    expect(await schema.count('orders')).toBe(0);
    expect(await schema.count('remit_outbox')).toBe(0);
  });

  it('a write outside a transaction, missing tables and an ended pool each fail with an error that says what to do', async () => {
    const { schema } = await setUp();
    const bus = world.bus('orders');
    const pool = schema.pool();
    const outbox = await world.outbox(bus, { pool, migrate: false });

    const missing = await withTransaction(pool, (tx) => outbox.publish(tx, 'order.placed', order('o'))).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OutboxError);
    expect((missing as OutboxError).reason).toBe('not-migrated');
    expect((missing as OutboxError).message).toContain('outbox.migrate()');
    await expect(outbox.start()).rejects.toMatchObject({ name: 'OutboxError', reason: 'not-migrated' });

    await outbox.migrate();
    await outbox.migrate(); // safe to run on every start
    const idle = await pool.connect();
    try {
      await expect(outbox.publish(idle, 'order.placed', order('o'))).rejects.toMatchObject({ reason: 'not-in-transaction' });
    } finally {
      idle.release();
    }
    await expect(outbox.publish(pool, 'order.placed', order('o'))).rejects.toMatchObject({ reason: 'not-in-transaction' });
    await expect(outbox.publish({} as never, 'order.placed', order('o'))).rejects.toBeInstanceOf(ConfigError);
    await expect(withTransaction(pool, (tx) => outbox.publish(tx, 'order.placed', order('o'), { id: 'mine' } as never))).rejects.toMatchObject({ field: 'id' });
    expect(await schema.count('remit_outbox')).toBe(0);

    await pool.end();
    const ended = await withTransaction(pool, async () => {}).catch((error: unknown) => error);
    expect(ended).toBeInstanceOf(OutboxError);
    expect((ended as OutboxError).message).toContain('pool.end()');
    const closedOutbox = await world.outbox(bus, { pool, migrate: false });
    await expect(closedOutbox.start()).rejects.toMatchObject({ reason: 'pool-closed' });
  });
  it('publishAll() writes many events in one statement, in order, or none when one is refused', async () => {
    const { schema } = await setUp();
    const { bus, seen } = await world.ordersToBilling('seq');
    const outbox = await world.outbox(bus);
    const pool = schema.pool();
    const refused = await withTransaction(pool, (tx) =>
      outbox.publishAll(tx, [
        { name: 'seq', payload: { tx: 0, i: 0 } },
        { name: 'seq', payload: { tx: 0, i: 1 }, options: { headers: { 'remit-bad': 1 } } },
      ]),
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(await schema.count('remit_outbox')).toBe(0);

    // 1,500 rows: more than one INSERT statement (1,000 rows each).
    const ids = await withTransaction(pool, (tx) => outbox.publishAll(tx, Array.from({ length: 1500 }, (_, i) => ({ name: 'seq' as const, payload: { tx: 1, i } }))));
    expect(new Set(ids).size).toBe(1500);
    await outbox.start();
    await waitFor('all 1500', () => seen.length === 1500);
    expect(seen.map(({ payload }) => payload.i)).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    expect(seen.map(({ meta }) => meta.id)).toEqual(ids);
  });
});

describe('the relay', () => {
  it('sends in the order rows were written, and a row the bus refuses goes to failed with its error, reported once', async () => {
    const { schema } = await setUp();
    const { bus, seen } = await world.ordersToBilling('seq');
    const failures: OutboxFailure[] = [];
    const outbox = await world.outbox(bus, { onError: (failure) => failures.push(failure) });
    const pool = schema.pool();
    for (let tx = 0; tx < 5; tx++) {
      await withTransaction(pool, async (client) => {
        for (let i = 0; i < 20; i++) await outbox.publish(client, 'seq', { tx, i });
      });
      // A row another service wrote with a codec this bus does not know: it can never be sent.
      if (tx === 2) {
        await schema.query(`INSERT INTO remit_outbox (id, name, codec, body) VALUES ('poison-1', 'seq', 'msgpack', '\\x00'::bytea)`);
      }
    }
    await outbox.start();
    await waitFor('all 100 good events', () => seen.length === 100);
    await waitFor('the poison row to be reported', () => failures.length === 1);
    expect(seen.map(({ payload }) => payload.tx * 100 + payload.i)).toEqual(
      Array.from({ length: 5 }, (_, tx) => Array.from({ length: 20 }, (_, i) => tx * 100 + i)).flat(),
    );
    expect(failures[0]).toMatchObject({ kind: 'poison', id: 'poison-1', event: 'seq' });
    const [poison] = await schema.query<{ status: string; last_error: string; attempts: number }>(
      `SELECT status, last_error, attempts FROM remit_outbox WHERE id = 'poison-1'`,
    );
    expect(poison).toMatchObject({ status: 'failed', attempts: 1 });
    expect(poison?.last_error).toContain('event.codec');
    const stats = await outbox.stats();
    expect(stats).toMatchObject({ sent: 100, failed: 1, waiting: 0, failedRows: 1 });
    console.log(`[fault] poison row: committed 101, sent ${stats.sent}, handled ${seen.length}, failed ${stats.failedRows}, lost 0`);
  });

  it('a row the broker never confirms goes to failed after maxAttempts, not retried forever', async () => {
    const { schema } = await setUp();
    // A broker that takes the connection and then answers nothing: the bus stays connected (its
    // heartbeat is 30 s) and every publish times out after 300 ms.
    proxy = await TcpProxy.start(AMQP_PORT);
    const bus = world.topology.bus<Events>({
      service: 'orders',
      publishTimeoutMs: 300,
      transport: amqp({ url: urlOnPort(proxy.port), exchange: world.topology.exchange, deadLetter: world.topology.deadLetter, heartbeatSeconds: 30 }),
    });
    await bus.start();
    proxy.blackhole();
    const failures: OutboxFailure[] = [];
    const outbox = await world.outbox(bus, { maxAttempts: 3, pollIntervalMs: 50, onError: (failure) => failures.push(failure) });
    await withTransaction(schema.pool(), (tx) => outbox.publish(tx, 'order.placed', order('o-timeout')));
    await outbox.start();
    await waitFor('the row to fail', async () => (await schema.count('remit_outbox', `status = 'failed'`)) === 1);
    const [row] = await schema.query<{ attempts: number; last_error: string }>('SELECT attempts, last_error FROM remit_outbox');
    expect(row?.attempts).toBe(3);
    expect(row?.last_error).toContain('PublishTimeoutError');
    expect(failures.filter((failure) => failure.kind === 'poison')).toHaveLength(1);
    expect(await outbox.stats()).toMatchObject({ waiting: 0, failedRows: 1, failed: 1 });
    await outbox.close();
    proxy.cut();
  });
});
