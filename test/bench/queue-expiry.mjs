// What keeps a queue with `x-expires` alive, quorum against classic, on the broker at AMQP_URL:
// each queue holds a message and expires after 3 s unused; one is left alone, and the others are
// published to, declared again, or read with basic.get every 500 ms. After 6.5 s, which still exist?
// `node test/bench/queue-expiry.mjs` (docs/scaling.md, "Which queues expire"). Deletes what it made.
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const connection = await amqplib.connect(url);
const channel = await connection.createChannel();
const tag = randomUUID().slice(0, 8);
const queues = [];
for (const [type, args] of Object.entries({ quorum: { 'x-queue-type': 'quorum' }, classic: {} })) {
  for (const action of ['left alone', 'published to', 'declared again', 'basic.get']) {
    const name = `remit.expiry-probe.${tag}.${type}.${action.replace(/\W+/g, '-')}`;
    const queue = { name, type, action, args: { ...args, 'x-expires': 3000 } };
    queues.push(queue);
    await channel.assertQueue(name, { durable: true, arguments: queue.args });
    channel.sendToQueue(name, Buffer.from('x'), { persistent: true });
  }
}
const exists = async (name) => {
  const probe = await connection.createChannel();
  probe.on('error', () => {});
  try {
    await probe.checkQueue(name);
    await probe.close();
    return true;
  } catch {
    return false;
  }
};
const started = Date.now();
while (Date.now() - started < 6500) {
  for (const queue of queues) {
    if (queue.action === 'published to') channel.sendToQueue(queue.name, Buffer.from('x'), { persistent: true });
    if (queue.action === 'declared again') await channel.assertQueue(queue.name, { durable: true, arguments: queue.args }).catch(() => {});
    if (queue.action === 'basic.get') {
      const message = await channel.get(queue.name, { noAck: false }).catch(() => false);
      if (message) channel.nack(message, false, true);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.log('| queue type | every 500 ms | exists after 6.5 s (x-expires 3 s, holding messages) |');
console.log('|---|---|---|');
for (const queue of queues) console.log(`| ${queue.type} | ${queue.action} | ${(await exists(queue.name)) ? 'yes' : 'no, deleted with its messages'} |`);
for (const queue of queues) await channel.deleteQueue(queue.name).catch(() => {});
await connection.close();
