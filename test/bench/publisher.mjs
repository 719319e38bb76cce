// The publisher process: raw amqplib (confirm channel, JSON, up to 1000 publishes in flight
// between confirm waits) or remit with default options (the same 1000 publishes in flight).
// With `rate`, publishes at that many events per second instead of as fast as possible.
// Raw amqplib sends its own message (`raw`), remit's wire message (`envelope`: raw → envelope is
// what the wire format costs, envelope → remit what remit's code costs) or its own message with
// the publisher factors in `factors` (`wire`, the factorial A/B of wire-factors.mjs).
import amqplib from 'amqplib';
import { payloads } from './payloads.mjs';
import { factoredMessage, WIRE_V2 } from './wire-factors.mjs';

const { mode, url, exchange, count, payload, rate, sampleEvery, factors = [], core, noHeader = false } = JSON.parse(process.env.BENCH ?? '{}');
const make = payloads[payload];
const IN_FLIGHT = 1000;
/** RSS, and the heap still used after a full GC (the bench starts us with --expose-gc): a leak shows in the second. */
const memorySample = () => {
  const { rss } = process.memoryUsage();
  globalThis.gc?.();
  return { rss, heap: process.memoryUsage().heapUsed };
};
const now = () => performance.timeOrigin + performance.now();

async function paced(send) {
  const started = now();
  for (let seq = 0; seq < count; seq++) {
    const due = started + (seq * 1000) / rate;
    const wait = due - now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    await send(seq);
  }
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
  first = now();
  if (rate) {
    await paced(async (seq) => {
      if (!publishOne(seq)) await new Promise((resolve) => channel.once('drain', resolve));
    });
  } else {
    for (let seq = 0; seq < count; seq++) {
      if (!publishOne(seq)) await new Promise((resolve) => channel.once('drain', resolve));
      if ((seq + 1) % IN_FLIGHT === 0) await channel.waitForConfirms();
    }
  }
  await channel.waitForConfirms();
  await connection.close();
} else {
  // `core`: another build of @remit/core (its dist/index.js), to compare two builds in one run.
  const { amqp, createBus } = await import(core ?? '@remit/core');
  const bus = createBus({ service: 'bench-publisher', transport: amqp({ url, exchange }) });
  await bus.start();
  process.send({ type: 'ready', cpu: process.cpuUsage() });
  await new Promise((resolve) => process.once('message', resolve));
  first = now();
  const publishOne = (seq) => {
    const body = make(seq);
    body.sentAt = now();
    return bus.publish('bench', body);
  };
  if (rate) {
    const pending = [];
    await paced(async (seq) => void pending.push(publishOne(seq)));
    await Promise.all(pending);
  } else {
    for (let start = 0; start < count; start += IN_FLIGHT) {
      const batch = [];
      for (let seq = start; seq < Math.min(count, start + IN_FLIGHT); seq++) batch.push(publishOne(seq));
      await Promise.all(batch);
      // Memory bench: RSS every `sampleEvery` events.
      if (sampleEvery && (start + IN_FLIGHT) % sampleEvery < IN_FLIGHT) process.send({ type: 'rss', n: start + IN_FLIGHT, ...memorySample() });
    }
  }
  await bus.close();
}
process.send({ type: 'done', first, cpu: process.cpuUsage() });
process.exit(0);
