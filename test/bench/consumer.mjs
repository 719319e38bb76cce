// One consumer process: raw amqplib (prefetch 500, an ack per message, JSON; `prefetch` and
// `batchedAcks` change that for the wire A/B) or a remit bus with default options (`remitPrefetch`
// changes its prefetch; `core` loads another build of @remit/core, a path to its dist/index.js, to
// compare two builds in one run). Reports `warm` after the first `warmup` events, and `done` when
// the expected number of events has arrived.
import amqplib from 'amqplib';

const { mode, url, exchange, expected, sampleEvery, prefetch = 500, batchedAcks = false, remitPrefetch, core, warmup = 0 } = JSON.parse(process.env.BENCH ?? '{}');
/** RSS, and the heap still used after a full GC (the bench starts us with --expose-gc): a leak shows in the second. */
const memorySample = () => {
  const { rss } = process.memoryUsage();
  globalThis.gc?.();
  return { rss, heap: process.memoryUsage().heapUsed };
};
let received = 0;
let first = 0;
let latencies = [];
const onEvent = (sentAt) => {
  // The first `warmup` events only warm up (see publisher.mjs): neither timed nor sampled.
  if (received === warmup) first = performance.timeOrigin + performance.now();
  received++;
  if (received <= warmup) {
    if (received === warmup) process.send({ type: 'warm', cpu: process.cpuUsage() });
    return;
  }
  // Memory bench: RSS every `sampleEvery` events; latencies are not kept then.
  if (sampleEvery) {
    if (received % sampleEvery === 0) process.send({ type: 'rss', n: received, ...memorySample() });
    sentAt = undefined;
  }
  if (typeof sentAt === 'number') latencies.push(performance.timeOrigin + performance.now() - sentAt);
  if (received === expected) {
    const last = performance.timeOrigin + performance.now();
    process.send({ type: 'done', first, last, cpu: process.cpuUsage(), latencies });
  }
};

if (mode !== 'remit') {
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, '');
  await channel.prefetch(prefetch);
  // Batched acks: one `multiple` ack for everything received in a turn of the event loop.
  let unacked = null;
  const ackAll = () => {
    channel.ack(unacked, true);
    unacked = null;
  };
  await channel.consume(queue, (message) => {
    if (!message) return;
    const payload = JSON.parse(message.content.toString());
    if (!batchedAcks) channel.ack(message);
    else if (unacked === null) (unacked = message), setImmediate(ackAll);
    else unacked = message;
    // The envelope's body is superjson's shape, `{ json: payload }`.
    onEvent(payload.json?.sentAt ?? payload.sentAt);
  });
  process.on('message', async (message) => {
    if (message.type === 'stop') {
      await connection.close();
      process.exit(0);
    }
  });
} else {
  const { amqp, createBus } = await import(core ?? '@remit/core');
  const bus = createBus({ service: 'bench-consumer', transport: amqp({ url, exchange }), ...(remitPrefetch ? { prefetch: remitPrefetch } : {}) });
  bus.on('bench', (payload) => onEvent(payload.sentAt));
  await bus.start();
  process.on('message', async (message) => {
    if (message.type === 'stop') {
      await bus.close();
      process.exit(0);
    }
  });
}
process.send({ type: 'ready', cpu: process.cpuUsage() });
