// The publisher process: raw amqplib (confirm channel, JSON, up to 1000 publishes in flight
// between confirm waits) or remit with default options (the same 1000 publishes in flight).
// With `rate`, publishes at that many events per second instead of as fast as possible.
// Raw amqplib sends its own message (`raw`), remit's wire message (`envelope`: raw → envelope is
// what the wire format costs, envelope → remit what remit's code costs) or its own message with
// the publisher factors in `factors` (`wire`, the factorial A/B of wire-factors.mjs). With
// `warmup`, that many events go first and are not measured (phases() below).
import amqplib from 'amqplib';
import { payloads } from './payloads.mjs';
import { factoredMessage, WIRE_V2 } from './wire-factors.mjs';

const { mode, url, exchange, count, payload, rate, sampleEvery, factors = [], core, noHeader = false, warmup = 0 } = JSON.parse(process.env.BENCH ?? '{}');
const make = payloads[payload];
const IN_FLIGHT = 1000;
/** RSS, and the heap still used after a full GC (the bench starts us with --expose-gc): a leak shows in the second. */
const memorySample = () => {
  const { rss } = process.memoryUsage();
  globalThis.gc?.();
  return { rss, heap: process.memoryUsage().heapUsed };
};
const now = () => performance.timeOrigin + performance.now();

async function paced(from, to, send) {
  const started = now();
  for (let seq = from; seq < to; seq++) {
    const due = started + ((seq - from) * 1000) / rate;
    const wait = due - now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    await send(seq);
  }
}

/**
 * Runs `publishRange(from, to)` over the warm-up events, then over the measured ones. With
 * `warmup`, the first events warm both sides up (V8 compiles what runs often, which takes seconds
 * at a low rate): they are confirmed, `warm` is reported, and the measured ones start on the
 * next `go`. Returns when the measured events started.
 */
async function phases(publishRange) {
  if (warmup > 0) {
    await publishRange(0, warmup);
    process.send({ type: 'warm', cpu: process.cpuUsage() });
    await new Promise((resolve) => process.once('message', resolve));
  }
  const started = now();
  await publishRange(warmup, warmup + count);
  return started;
}

let first = 0;
if (mode !== 'remit') {
  const connection = await amqplib.connect(url);
  const channel = await connection.createConfirmChannel();
  // `noHeader`: wire format 2 without its one header, to price the header table alone.
  const envelope = noHeader ? WIRE_V2.filter((factor) => factor !== 'remit-instance') : WIRE_V2;
  const applied = mode === 'envelope' ? envelope : mode === 'wire' ? factors : [];
  const publishOne = (seq) => {
    const body = make(seq);
    body.sentAt = now();
    const { content, options } = factoredMessage(applied, body);
    return channel.publish(exchange, 'bench', content, options);
  };
  process.send({ type: 'ready', cpu: process.cpuUsage() });
  await new Promise((resolve) => process.once('message', resolve));
  first = await phases(async (from, to) => {
    if (rate) {
      await paced(from, to, async (seq) => {
        if (!publishOne(seq)) await new Promise((resolve) => channel.once('drain', resolve));
      });
    } else {
      for (let seq = from; seq < to; seq++) {
        if (!publishOne(seq)) await new Promise((resolve) => channel.once('drain', resolve));
        if ((seq + 1 - from) % IN_FLIGHT === 0) await channel.waitForConfirms();
      }
    }
    await channel.waitForConfirms();
  });
  await connection.close();
} else {
  // `core`: another build of @remit/core (its dist/index.js), to compare two builds in one run.
  const { amqp, createBus } = await import(core ?? '@remit/core');
  const bus = createBus({ service: 'bench-publisher', transport: amqp({ url, exchange }) });
  await bus.start();
  process.send({ type: 'ready', cpu: process.cpuUsage() });
  await new Promise((resolve) => process.once('message', resolve));
  const publishOne = (seq) => {
    const body = make(seq);
    body.sentAt = now();
    return bus.publish('bench', body);
  };
  first = await phases(async (from, to) => {
    if (rate) {
      const pending = [];
      await paced(from, to, async (seq) => void pending.push(publishOne(seq)));
      await Promise.all(pending);
      return;
    }
    for (let start = from; start < to; start += IN_FLIGHT) {
      const batch = [];
      for (let seq = start; seq < Math.min(to, start + IN_FLIGHT); seq++) batch.push(publishOne(seq));
      await Promise.all(batch);
      // Memory bench: RSS every `sampleEvery` events.
      if (sampleEvery && (start + IN_FLIGHT) % sampleEvery < IN_FLIGHT) process.send({ type: 'rss', n: start + IN_FLIGHT, ...memorySample() });
    }
  });
  await bus.close();
}
process.send({ type: 'done', first, cpu: process.cpuUsage() });
process.exit(0);
