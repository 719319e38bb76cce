// One instance of the example. ROLE=orders: POST /orders saves the order and its `order.placed`
// event in one transaction. ROLE=invoicing: handles `order.placed` through the inbox, writing one
// invoice per order however often the event is delivered. Both run the outbox relay: one sends,
// the other stands by.
import { amqp, createBus } from '@remit/core';
import { postgresOutbox } from '@remit/postgres';
import express from 'express';
import pg from 'pg';

const name = process.env.INSTANCE_NAME ?? 'a';
const role = process.env.ROLE ?? 'orders';
const port = Number(process.env.PORT ?? 3011);
const schema = process.env.EXAMPLE_SCHEMA ?? 'remit_example';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  options: `-c search_path=${schema}`,
});
const bus = createBus({
  service: 'example-outbox',
  transport: amqp({
    url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    exchange: process.env.REMIT_EXCHANGE ?? 'remit.example.outbox',
  }),
});
const outbox = postgresOutbox({ bus, pool, schema });

// The outbox's tables (and the schema), then the application's own. Both instances start at once:
// the advisory lock lets one create the tables while the other waits.
await outbox.migrate();
await outbox.withTransaction(async (tx) => {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('remit-example-outbox'))");
  await tx.query('CREATE TABLE IF NOT EXISTS orders (id text PRIMARY KEY, customer text NOT NULL, total integer NOT NULL)');
  await tx.query('CREATE TABLE IF NOT EXISTS invoices (order_id text PRIMARY KEY, amount integer NOT NULL, event_id text NOT NULL)');
});

const app = express();
app.use(express.json());

if (role === 'orders') {
  app.post('/orders', async (req, res) => {
    const { id, customer, total } = req.body ?? {};
    if (typeof id !== 'string' || typeof customer !== 'string' || !Number.isInteger(total)) {
      res.status(400).json({ error: 'send JSON like {"id": "o-1", "customer": "ada", "total": 42}' });
      return;
    }
    // The order and its event commit together, or neither does.
    let eventId;
    try {
      eventId = await outbox.withTransaction(async (tx) => {
        await tx.query('INSERT INTO orders (id, customer, total) VALUES ($1, $2, $3)', [id, customer, total]);
        return outbox.publish(tx, 'order.placed', { id, customer, total, at: new Date() });
      });
    } catch (error) {
      // The same order twice: the transaction rolled back, so its event is never sent.
      if (error.code === '23505') {
        res.status(409).json({ error: `order ${id} exists` });
        return;
      }
      throw error;
    }
    console.log(`[${name}] order ${id} saved with event ${eventId}`);
    res.status(201).json({ id, event: eventId });
  });
}

if (role === 'invoicing') {
  // Exactly-once effects: the invoice and the inbox record commit in one transaction, so a
  // redelivered event is acknowledged without invoicing twice.
  bus.on(
    'order.placed',
    outbox.inbox(async function invoiceOrder(order, meta, tx) {
      await tx.query('INSERT INTO invoices (order_id, amount, event_id) VALUES ($1, $2, $3)', [order.id, order.total, meta.id]);
      console.log(`[${name}] invoiced order ${order.id} (${order.total}) placed at ${order.at.toISOString()}`);
    }),
    { group: process.env.REMIT_GROUP ?? 'example-outbox-invoicing' },
  );
}

app.get('/invoices', async (_req, res) => {
  const { rows } = await pool.query('SELECT order_id, amount, event_id FROM invoices ORDER BY order_id');
  res.json(rows);
});
app.get('/outbox', async (_req, res) => res.json(await outbox.stats()));

await bus.start();
await outbox.start();
const server = app.listen(port, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`[${name}] ${role} listening on http://localhost:${actual}`);
});

let closing = false;
async function shutdown() {
  // Ctrl+C reaches this process twice (from the terminal and from main.mjs); close once.
  if (closing) return;
  closing = true;
  server.close();
  await outbox.close(); // the relay first, while the bus can still confirm
  await bus.close();
  await pool.end();
  console.log(`[${name}] closed`);
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
