import { amqp } from '@remit/core';
import { withTransaction } from '@remit/postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_PORT, urlOnPort, waitFor } from '../helpers/broker.js';
import { POSTGRES_URL } from '../helpers/postgres.js';
import { ChildInstance } from '../helpers/processes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { OutboxLedger } from './outbox-ledger.js';
import { type Events, OutboxWorld } from './outbox-setup.js';

const FIXTURE = new URL('../fixtures/outbox-instance.mjs', import.meta.url).pathname;

let world: OutboxWorld;
const children: ChildInstance[] = [];
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop()));
  await proxy?.close();
  proxy = undefined;
  await world.cleanup();
});

/** A child process with a bus and an outbox on this test's exchange and schema. */
function child(role: 'writer' | 'relay' | 'consumer', extra: Record<string, unknown> = {}): ChildInstance {
  const instance = new ChildInstance(
    { role, exchange: world.topology.exchange, deadLetter: world.topology.deadLetter, pgUrl: POSTGRES_URL, schema: world.schema.name, ...extra },
    FIXTURE,
  );
  children.push(instance);
  return instance;
}

async function stats(instance: ChildInstance): Promise<{ relay: string; sent: number }> {
  const before = instance.of('stats').length;
  instance.send({ type: 'stats' });
  await waitFor('the child’s stats', () => instance.of('stats').length > before);
  return instance.of('stats').at(-1)?.stats as { relay: string; sent: number };
}

/** A receiving bus on the shared broker, counting into a ledger. */
async function receiver() {
  const ledger = new OutboxLedger();
  const bus = world.bus('billing');
  bus.on('seq', ledger.handler);
  await bus.start();
  return { ledger, bus };
}

/** The transactions whose order row committed: each committed with all its events or not at all. */
async function committedTransactions(): Promise<number[]> {
  const rows = await world.schema.query<{ id: string }>('SELECT id FROM orders');
  return rows.map((row) => Number(row.id.slice(3))).sort((a, b) => a - b);
}

describe('outbox faults, every event counted', () => {
  it('a writer killed (-9) after committing loses nothing: the relay sends what committed, once', async () => {
    world = await OutboxWorld.create();
    await (await world.outbox(world.bus('migrator'))).close();
    const { ledger, bus: receiving } = await receiver();
    const writer = child('writer');
    await writer.ready();
    writer.send({ type: 'write', from: 0, count: 1000, perTx: 5 });
    await waitFor('the writer to commit 20 transactions', () => writer.of('committed').length >= 20);
    expect(await writer.signal('SIGKILL')).toBeNull();

    const transactions = await committedTransactions();
    const rows = await world.schema.count('remit_outbox');
    // Every committed transaction has all its events, and the one cut short left none.
    expect(rows).toBe(transactions.length * 5);
    const relay = child('relay');
    await relay.ready();
    await waitFor('every committed event', () => ledger.handled === rows, 20_000);
    await waitFor('the table to empty', async () => (await world.schema.count('remit_outbox')) === 0);
    const { sent } = await stats(relay);
    const lost = ledger.lost(transactions, 5).length;
    ledger.summary('writer kill -9 after commit', { committed: rows, sent, receiver: receiving, lost });
    expect(sent).toBe(rows);
    expect(lost).toBe(0);
    expect(ledger.duplicates).toBe(0);
  });

  it('a relay killed (-9) mid-batch loses nothing; its resends carry the same ids and are dropped as duplicates', async () => {
    world = await OutboxWorld.create();
    const writerOutbox = await world.outbox(world.bus('orders'));
    const { ledger, bus: receiving } = await receiver();
    const pool = world.schema.pool();
    const transactions = Array.from({ length: 40 }, (_, tx) => tx);
    for (const tx of transactions) {
      await withTransaction(pool, async (client) => {
        await client.query('INSERT INTO orders (id, total) VALUES ($1, 100)', [`tx-${tx}`]);
        for (let i = 0; i < 100; i++) await writerOutbox.publish(client, 'seq', { tx, i });
      });
    }
    // Killed right after its 1,500th confirm: in the middle of its 8th batch of 200, whose rows
    // are all still in the table.
    const doomed = child('relay', { batchSize: 200, dieAfterSent: 1500 });
    const exit = new Promise((resolve) => doomed.next('never', 30_000).catch(resolve));
    await exit;
    await waitFor('the confirmed events to arrive', () => ledger.handled >= 1500);
    const sentBeforeKill = ledger.handled;
    expect(await world.schema.count('remit_outbox')).toBeGreaterThan(4000 - sentBeforeKill);

    const rescuer = child('relay', { batchSize: 200 });
    await rescuer.ready();
    await waitFor('all 4000 events', () => ledger.handled === 4000, 30_000);
    await waitFor('the table to empty', async () => (await world.schema.count('remit_outbox')) === 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { sent } = await stats(rescuer);
    const lost = ledger.lost(transactions, 100).length;
    ledger.summary('relay kill -9 right after its 1500th confirm, mid-batch', {
      committed: 4000,
      sent: `1500+ by the killed relay (${sentBeforeKill} handled when it died) + ${sent} by the rescuer`,
      receiver: receiving,
      lost,
    });
    expect(lost).toBe(0);
    expect(ledger.duplicates).toBe(0);
    // The rescuer resent the rows of the interrupted batch that had reached the receiver already.
    expect(receiving.stats().duplicates).toBeGreaterThan(0);
    expect(ledger.outOfOrder()).toEqual([]);
  });

  it('two relays: one sends, the other stands by and takes over when it is killed; each event handled once, in order', async () => {
    world = await OutboxWorld.create();
    await (await world.outbox(world.bus('migrator'))).close();
    const { ledger, bus: receiving } = await receiver();
    const first = child('relay', { standbyPollMs: 300, batchSize: 50 });
    await first.ready();
    const second = child('relay', { standbyPollMs: 300, batchSize: 50 });
    await second.ready();
    expect([first.of('ready')[0]?.relay, second.of('ready')[0]?.relay].sort()).toEqual(['active', 'standby']);
    const [active, standby] = first.of('ready')[0]?.relay === 'active' ? [first, second] : [second, first];

    const writers = [child('writer'), child('writer')];
    await Promise.all(writers.map((writer) => writer.ready()));
    writers.forEach((writer, n) => writer.send({ type: 'write', from: n * 100, count: 100, perTx: 10 }));
    await waitFor('the first 500 events', () => ledger.handled >= 500, 20_000);
    const killedAt = Date.now();
    expect(await active.signal('SIGKILL')).toBeNull();
    await waitFor('the standby to take over', async () => (await stats(standby)).relay === 'active', 10_000);
    const takeoverMs = Date.now() - killedAt;
    await Promise.all(writers.map((writer) => writer.next('written', 30_000)));
    await waitFor('all 2000 events', () => ledger.handled === 2000, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const transactions = await committedTransactions();
    const lost = ledger.lost(transactions, 10).length;
    ledger.summary(`two relays, active killed (standby active ${takeoverMs} ms later)`, {
      committed: transactions.length * 10,
      sent: `${(await stats(standby)).sent} by the survivor, the rest by the killed relay`,
      receiver: receiving,
      lost,
    });
    expect(transactions).toHaveLength(200);
    expect(lost).toBe(0);
    expect(ledger.duplicates).toBe(0);
    expect(ledger.outOfOrder()).toEqual([]);
  });

  it('with the broker unreachable, writers keep committing; the rows wait and all go out once it is back', async () => {
    world = await OutboxWorld.create();
    proxy = await TcpProxy.start(AMQP_PORT);
    // A transport outbox of 50 messages: were the relay to push rows into the bus while it is
    // disconnected, it would hit BufferFullError at once. The rows must wait in the table instead.
    const relayBus = world.topology.bus<Events>({
      service: 'orders',
      transport: amqp({ url: urlOnPort(proxy.port), exchange: world.topology.exchange, deadLetter: world.topology.deadLetter, outbox: { maxMessages: 50 } }),
    });
    await relayBus.start();
    const outbox = await world.outbox(relayBus, { batchSize: 40 });
    await outbox.start();
    const { ledger, bus: receiving } = await receiver();

    proxy.refuse();
    proxy.cut();
    await waitFor('the relay’s bus to notice', () => relayBus.health().status !== 'connected');
    const pool = world.schema.pool();
    const writes = Array.from({ length: 4 }, async (_, writer) => {
      for (let n = 0; n < 25; n++) {
        const tx = writer * 100 + n;
        await withTransaction(pool, async (client) => {
          await client.query('INSERT INTO orders (id, total) VALUES ($1, 10)', [`tx-${tx}`]);
          for (let i = 0; i < 10; i++) await outbox.publish(client, 'seq', { tx, i });
        });
      }
    });
    await Promise.all(writes);
    const waiting = (await outbox.stats()).waiting;
    expect(waiting).toBe(1000);
    expect(ledger.handled).toBe(0);

    proxy.restore();
    await waitFor('all 1000 events', () => ledger.handled === 1000, 30_000);
    await waitFor('the table to empty', async () => (await world.schema.count('remit_outbox')) === 0);
    const stats = await outbox.stats();
    const transactions = await committedTransactions();
    const lost = ledger.lost(transactions, 10).length;
    ledger.summary(`broker unreachable while writers commit (${waiting} rows waited)`, { committed: 1000, sent: stats.sent, receiver: receiving, lost });
    expect(stats).toMatchObject({ sent: 1000, failed: 0, failedRows: 0 });
    expect(lost).toBe(0);
    expect(ledger.duplicates).toBe(0);
    expect(ledger.outOfOrder()).toEqual([]);
  });
});
