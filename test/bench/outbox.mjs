// The transactional outbox (@remit/postgres) against direct bus.publish, in alternating rounds of
// the same run: end-to-end events/s (first commit or publish → last event handled), the commit
// latency one outbox.publish adds to a transaction, and the relay's delay from commit to publish.
// `node test/bench/outbox.mjs [--quick]` runs this section alone; `pnpm bench` runs it too.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { amqp, createBus } from '@remit/core';
import { postgresOutbox, withTransaction } from '@remit/postgres';
import amqplib from 'amqplib';
import pg from 'pg';
import { benchChild } from './child.mjs';
import { plainPayload } from './payloads.mjs';
import { fmt, median, percentile as pct, spread } from './stats.mjs';

const now = () => performance.timeOrigin + performance.now();

/** A schema and an exchange of this run's own, dropped and deleted at the end. */
async function setting(url, pgUrl) {
  const id = randomUUID().slice(0, 8);
  const schema = `bench_outbox_${id}`;
  const exchange = `bench.outbox.${id}`;
  const pool = new pg.Pool({ connectionString: pgUrl, max: 16, options: `-c search_path=${schema}` });
  const writerBus = createBus({ service: 'bench-outbox', transport: amqp({ url, exchange }) });
  const outbox = postgresOutbox({ bus: writerBus, pool, schema });
  await outbox.migrate();
  await pool.query('CREATE TABLE orders (id bigserial PRIMARY KEY, total integer NOT NULL)');
  return {
    schema,
    exchange,
    pool,
    outbox,
    async drop() {
      await writerBus.close();
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
      const connection = await amqplib.connect(url);
      const channel = await connection.createChannel();
      await channel.deleteExchange(exchange).catch(() => {});
      await connection.close();
    },
  };
}

/** A bus in this process that counts `bench` events and keeps each one's publish time (meta.publishedAt). */
async function counter(url, exchange, expected) {
  const bus = createBus({ service: 'bench-outbox-consumer', transport: amqp({ url, exchange }) });
  const published = new Map();
  let resolve;
  const done = new Promise((r) => (resolve = r));
  bus.on('bench', (payload, meta) => {
    published.set(payload.seq, meta.publishedAt.getTime());
    if (published.size === expected) resolve(now());
  });
  await bus.start();
  return { bus, published, done };
}

/** One round: `count` events end to end, through the outbox (writers → relay process → consumer) or bus.publish. */
async function round({ mode, url, pgUrl, count, writers, perTx }) {
  const s = await setting(url, pgUrl);
  const consumer = await counter(url, s.exchange, count);
  const drain = mode === 'drain';
  if (drain) {
    for (let from = 0; from < count; from += 1000) {
      const seqs = Array.from({ length: Math.min(1000, count - from) }, (_, n) => from + n);
      await withTransaction(s.pool, (tx) => s.outbox.publishAll(tx, seqs.map((seq) => ({ name: 'bench', payload: plainPayload(seq) }))));
    }
  }
  const child = benchChild('outbox-child.mjs', { role: mode === 'direct' ? 'direct' : 'relay', url, exchange: s.exchange, pgUrl, schema: s.schema, count, drain });
  await child.next('ready');
  let first;
  if (drain) {
    child.proc.send({ type: 'go' });
    first = (await child.next('go')).first;
  } else if (mode === 'direct') {
    child.proc.send({ type: 'go' });
    first = (await child.next('done')).first;
  } else {
    first = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < count) {
          const from = next;
          next += perTx;
          await withTransaction(s.pool, async (tx) => {
            await tx.query('INSERT INTO orders (total) VALUES ($1)', [perTx]);
            const seqs = Array.from({ length: Math.min(perTx, count - from) }, (_, n) => from + n);
            if (seqs.length === 1) await s.outbox.publish(tx, 'bench', plainPayload(from));
            else await s.outbox.publishAll(tx, seqs.map((seq) => ({ name: 'bench', payload: plainPayload(seq) })));
          });
        }
      }),
    );
  }
  const last = await consumer.done;
  const exited = new Promise((resolve) => (child.proc.exitCode === null ? child.proc.once('exit', resolve) : resolve()));
  if (mode !== 'direct') child.proc.send({ type: 'stop' });
  await exited;
  await consumer.bus.close();
  await s.drop();
  return count / ((last - first) / 1000);
}

/** Commit → publish at a steady rate of one-event transactions: the relay's delay, read from meta.publishedAt. */
async function relayDelay({ url, pgUrl, count, rate }) {
  const s = await setting(url, pgUrl);
  const consumer = await counter(url, s.exchange, count);
  const relay = benchChild('outbox-child.mjs', { role: 'relay', url, exchange: s.exchange, pgUrl, schema: s.schema });
  await relay.next('ready');
  const committed = new Map();
  const start = now();
  const writes = [];
  for (let seq = 0; seq < count; seq++) {
    const due = start + (seq * 1000) / rate;
    if (due > now()) await new Promise((resolve) => setTimeout(resolve, due - now()));
    writes.push(
      withTransaction(s.pool, (tx) => s.outbox.publish(tx, 'bench', plainPayload(seq))).then(() => committed.set(seq, now())),
    );
  }
  await Promise.all(writes);
  await consumer.done;
  relay.proc.send({ type: 'stop' });
  await new Promise((resolve) => relay.proc.once('exit', resolve));
  await consumer.bus.close();
  await s.drop();
  // Commit time is when COMMIT returned to the writer; the relay may hear NOTIFY a little before that.
  return [...committed].map(([seq, at]) => Math.max(0, (consumer.published.get(seq) ?? at) - at));
}

/** Milliseconds per transaction: an order insert alone, and with one outbox.publish beside it. */
async function commitLatency({ url, pgUrl, count }) {
  const s = await setting(url, pgUrl);
  const timings = { plain: [], outbox: [] };
  for (let n = 0; n < count; n++) {
    for (const mode of n % 2 === 0 ? ['plain', 'outbox'] : ['outbox', 'plain']) {
      const started = now();
      await withTransaction(s.pool, async (tx) => {
        await tx.query('INSERT INTO orders (total) VALUES ($1)', [n]);
        if (mode === 'outbox') await s.outbox.publish(tx, 'bench', plainPayload(n));
      });
      timings[mode].push(now() - started);
    }
  }
  await s.drop();
  return timings;
}

export async function outboxBench({ quick, url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', pgUrl = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' }) {
  const rounds = quick ? 2 : 3;
  const count = quick ? 2_000 : 20_000;
  const shapes = [
    { label: '8 writers, 1 event per transaction', writers: 8, perTx: 1 },
    { label: '4 writers, 10 events per transaction (publishAll)', writers: 4, perTx: 10 },
    { label: '4 writers, 100 events per transaction (publishAll)', writers: 4, perTx: 100 },
  ];
  console.log(`outbox (@remit/postgres) vs direct bus.publish, ${rounds} rounds of ${fmt(count)} plain events, PostgreSQL at ${new URL(pgUrl).host}`);
  console.log('direct: one process, bus.publish with 1000 in flight. outbox: writers commit rows, a relay process (default options) publishes them; both to one consumer bus.');
  console.log('| writers | direct ev/s (min–max) | outbox ev/s (min–max) | outbox / direct |');
  console.log('|---|---|---|---|');
  const results = [];
  for (const shape of shapes) {
    const rates = { direct: [], outbox: [] };
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? ['direct', 'outbox'] : ['outbox', 'direct']) rates[mode].push(await round({ mode, url, pgUrl, count, ...shape }));
    }
    const span = (mode) => spread(rates[mode]);
    const ratio = median(rates.outbox) / median(rates.direct);
    console.log(`| ${shape.label} | ${span('direct')} | ${span('outbox')} | ${ratio.toFixed(2)} |`);
    results.push({ ...shape, direct: median(rates.direct), outbox: median(rates.outbox), ratio });
  }
  // The relay on its own: a backlog of `count` committed rows, from relay start to the last event handled.
  const drains = { direct: [], drain: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? ['direct', 'drain'] : ['drain', 'direct']) drains[mode].push(await round({ mode, url, pgUrl, count }));
  }
  const drainSpan = (mode) => spread(drains[mode]);
  const drainRatio = median(drains.drain) / median(drains.direct);
  console.log(`| relay alone, draining ${fmt(count)} committed rows | ${drainSpan('direct')} | ${drainSpan('drain')} | ${drainRatio.toFixed(2)} |`);
  results.push({ label: 'relay drain', direct: median(drains.direct), outbox: median(drains.drain), ratio: drainRatio });

  const latencyCount = quick ? 200 : 1_000;
  const timings = await commitLatency({ url, pgUrl, count: latencyCount });
  const added = median(timings.outbox) - median(timings.plain);
  console.log(`\ncommit latency, ${fmt(latencyCount)} one-order transactions each way, alternating (ms)`);
  console.log('| | p50 | p99 |');
  console.log('|---|---|---|');
  console.log(`| insert order | ${median(timings.plain).toFixed(2)} | ${pct(timings.plain, 99).toFixed(2)} |`);
  console.log(`| insert order + outbox.publish | ${median(timings.outbox).toFixed(2)} | ${pct(timings.outbox, 99).toFixed(2)} |`);
  console.log(`added per event (p50): ${added.toFixed(2)} ms`);

  const delayCount = quick ? 500 : 3_000;
  const rate = 200;
  const delays = await relayDelay({ url, pgUrl, count: delayCount, rate });
  console.log(`\nrelay delay, commit → publish, ${rate} one-event transactions/s, ${fmt(delayCount)} events (LISTEN/NOTIFY on, 1 s poll)`);
  console.log(`p50 ${pct(delays, 50).toFixed(2)} ms, p99 ${pct(delays, 99).toFixed(2)} ms, max ${Math.max(...delays).toFixed(2)} ms`);
  return { results, addedMs: added, delayP99: pct(delays, 99) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  await outboxBench({ quick: values.quick });
}
