// The responder process of the request/reply bench: raw amqplib (a classic queue, prefetch 100,
// JSON, reply with sendToQueue to the request's replyTo, then ack) or a remit bus with default
// options serving one request name.
import amqplib from 'amqplib';
import { amqp, createBus } from '@remit/core';

const { mode, url, names } = JSON.parse(process.env.BENCH ?? '{}');
let stop;

if (mode === 'raw') {
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  await channel.assertQueue(names.queue, { durable: false, autoDelete: true });
  await channel.prefetch(100);
  await channel.consume(names.queue, (message) => {
    if (!message) return;
    const { n } = JSON.parse(message.content.toString());
    channel.sendToQueue(message.properties.replyTo, Buffer.from(JSON.stringify({ n, cents: n * 3 })), {
      correlationId: message.properties.correlationId,
      contentType: 'application/json',
    });
    channel.ack(message);
  });
  stop = () => connection.close();
} else {
  // `remit-classic`: the same with a classic request queue (amqp's requestQueueType), quorum being the default.
  const requestQueueType = mode === 'remit-classic' ? 'classic' : undefined;
  const bus = createBus({ service: names.service, transport: amqp({ url, ...names.exchanges, ...(requestQueueType ? { requestQueueType } : {}) }) });
  bus.handle('bench.quote', ({ n }) => ({ n, cents: n * 3 }));
  await bus.start();
  stop = () => bus.close();
}

process.on('message', async (message) => {
  if (message.type !== 'stop') return;
  await stop();
  process.exit(0);
});
process.send({ type: 'ready' });
