// The requester process of the request/reply bench: keeps `inFlight` requests outstanding until
// `count` replies arrived. Raw amqplib: one channel, direct reply-to consumed noAck, correlation
// ids in a Map (what a hand-written amqplib RPC client does). remit: bus.request with defaults.
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { amqp, createBus } from '@remit/core';

const { mode, url, names, count, warmup, inFlight } = JSON.parse(process.env.BENCH ?? '{}');
let request;
let close;

if (mode === 'raw') {
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  const waiting = new Map();
  await channel.consume(
    'amq.rabbitmq.reply-to',
    (message) => {
      const resolve = waiting.get(message.properties.correlationId);
      if (!resolve) return;
      waiting.delete(message.properties.correlationId);
      resolve(JSON.parse(message.content.toString()));
    },
    { noAck: true },
  );
  request = (payload) =>
    new Promise((resolve) => {
      const correlationId = randomUUID();
      waiting.set(correlationId, resolve);
      channel.sendToQueue(names.queue, Buffer.from(JSON.stringify(payload)), {
        correlationId,
        replyTo: 'amq.rabbitmq.reply-to',
        contentType: 'application/json',
      });
    });
  close = () => connection.close();
} else {
  const bus = createBus({ service: 'bench-requester', transport: amqp({ url, ...names.exchanges }) });
  await bus.start();
  request = (payload) => bus.request('bench.quote', payload);
  close = () => bus.close();
}

/** Sends `total` requests, `inFlight` at a time; checks each reply belongs to its request. */
async function run(total) {
  let next = 0;
  let wrong = 0;
  const worker = async () => {
    while (next < total) {
      const n = next++;
      const reply = await request({ n, sku: 'A-1', qty: 3 });
      if (reply.n !== n) wrong++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return wrong;
}

process.send({ type: 'ready' });
await new Promise((resolve) => process.once('message', resolve));
await run(warmup);
const cpuBefore = process.cpuUsage();
const started = performance.now();
const wrong = await run(count);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
await close();
process.send({ type: 'done', rate: count / seconds, wrong, cpuMicros: (cpu.user + cpu.system) / count });
process.exit(0);
