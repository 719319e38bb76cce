// Memory: RSS of a remit publisher and a remit consumer over many events (sampled), and of a
// publisher whose broker is gone while its outbox fills to the bound. Part of `pnpm bench`.
import { randomUUID } from 'node:crypto';
import { createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import amqplib from 'amqplib';
import { benchChild } from './child.mjs';

const fmtMiB = (bytes) => (bytes / 1024 / 1024).toFixed(1);

/** Samples after warm-up (the first 10 % of events): first, min, max, last, and the spread around the first. */
function summarize(samples, count, field) {
  const warm = samples.filter((s) => s.n >= count * 0.1);
  const values = warm.map((s) => s[field]);
  const base = values[0];
  return {
    base,
    min: Math.min(...values),
    max: Math.max(...values),
    last: values.at(-1),
    spread: `${(((Math.min(...values) - base) / base) * 100).toFixed(1)} % … +${(((Math.max(...values) - base) / base) * 100).toFixed(1)} %`,
  };
}

async function steadyRss(url, count) {
  const exchange = `bench.mem.${randomUUID().slice(0, 8)}`;
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'fanout', { durable: true });
  const config = { mode: 'remit', url, exchange, count, expected: count, payload: 'plain', sampleEvery: Math.floor(count / 40) };
  const consumer = benchChild('consumer.mjs', config, ['--expose-gc']);
  await consumer.next('ready');
  const publisher = benchChild('publisher.mjs', config, ['--expose-gc']);
  await publisher.next('ready');
  const started = Date.now();
  publisher.proc.send({ type: 'go' });
  await Promise.all([publisher.next('done'), consumer.next('done')]);
  const seconds = (Date.now() - started) / 1000;
  await new Promise((resolve) => { consumer.proc.once('exit', resolve); consumer.proc.send({ type: 'stop' }); });
  await channel.deleteExchange(exchange).catch(() => {});
  await connection.close();
  const samples = (c) => c.messages.filter((m) => m.type === 'rss');
  return {
    seconds,
    publisher: { rss: summarize(samples(publisher), count, 'rss'), heap: summarize(samples(publisher), count, 'heap') },
    consumer: { rss: summarize(samples(consumer), count, 'rss'), heap: summarize(samples(consumer), count, 'heap') },
  };
}

/** A proxy to the broker that can drop every connection and refuse new ones, then let them in again. */
async function cuttableProxy(target) {
  let open = true;
  const sockets = new Set();
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(target.port, target.hostname);
    for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    down() { open = false; for (const s of sockets) s.destroy(); },
    up() { open = true; },
    close() { server.close(); for (const s of sockets) s.destroy(); },
  };
}

async function outboxFill(url, { count, bodyBytes }) {
  const target = new URL(url);
  const proxy = await cuttableProxy({ hostname: target.hostname, port: Number(target.port || 5672) });
  const viaProxy = new URL(url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const exchange = `bench.outbox.${randomUUID().slice(0, 8)}`;
  const publisher = benchChild('outbox-fill.mjs', { url: viaProxy.toString(), exchange, count, bodyBytes }, ['--expose-gc']);
  await publisher.next('ready');
  proxy.down();
  publisher.proc.send({ type: 'fill' });
  const filled = await publisher.next('filled');
  proxy.up();
  publisher.proc.send({ type: 'resume' });
  const done = await publisher.next('done');
  proxy.close();
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  await channel.deleteExchange(exchange).catch(() => {});
  await connection.close();
  return { ...filled, ...done };
}

export async function memoryBench({ quick, url, only }) {
  if (only !== 'outbox') await steadyPart(quick, url);
  if (only !== 'steady') await outboxPart(url);
}

async function steadyPart(quick, url) {
  const count = quick ? 100_000 : 1_000_000;
  console.log(`memory: RSS of a remit publisher and consumer over ${count.toLocaleString('en-US')} plain events, sampled 40 times; spread after the first 10 %`);
  const steady = await steadyRss(url, count);
  console.log('| process | measure | after warm-up MiB | min | max | last | spread |');
  console.log('|---|---|---|---|---|---|---|');
  for (const role of ['publisher', 'consumer']) {
    for (const measure of ['rss', 'heap']) {
      const r = steady[role][measure];
      const label = measure === 'rss' ? 'RSS' : 'heap after GC';
      console.log(`| ${role} | ${label} | ${fmtMiB(r.base)} | ${fmtMiB(r.min)} | ${fmtMiB(r.max)} | ${fmtMiB(r.last)} | ${r.spread} |`);
    }
  }
  console.log(`(${(count / steady.seconds).toFixed(0)} ev/s over ${steady.seconds.toFixed(0)} s)`);
}

async function outboxPart(url) {
  console.log('\noutbox while the broker is unreachable (default bound: 10,000 messages or 64 MiB), then reconnected');
  console.log('| payload | published | refused (BufferFullError) | max outbox | RSS before MiB | RSS full MiB | confirmed after reconnect |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [label, options] of [['~200 B', { count: 15_000, bodyBytes: 150 }], ['64 KiB', { count: 1_500, bodyBytes: 64 * 1024 }]]) {
    const r = await outboxFill(url, options);
    console.log(`| ${label} | ${options.count.toLocaleString('en-US')} | ${r.refused.toLocaleString('en-US')} | ${r.maxOutbox.toLocaleString('en-US')} | ${fmtMiB(r.before)} | ${fmtMiB(r.full)} | ${r.confirmed.toLocaleString('en-US')} |`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = process.argv.includes('--outbox') ? 'outbox' : process.argv.includes('--steady') ? 'steady' : undefined;
  await memoryBench({ quick: process.argv.includes('--quick'), url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', only });
}
