// Starts two instances of the shop in their own processes. Each places one order by emitting on
// its local EventEmitter; both instances hear both orders, each exactly once.
import { fork } from 'node:child_process';
import { maskUrl } from '@remit/core';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
console.log(`RabbitMQ at ${maskUrl(url)} (set AMQP_URL to change it)`);

const shops = ['shop-a', 'shop-b'].map((name) => {
  const child = fork(new URL('./shop.mjs', import.meta.url), [name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const shop = { name, child, heard: 0 };
  shop.ready = new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.ready) resolve();
      if (message.heard) shop.heard++;
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}; is RabbitMQ running at ${maskUrl(url)}?`)));
  });
  return shop;
});

try {
  await Promise.all(shops.map((shop) => shop.ready));
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
shops[0].child.send({ place: 'A-1' });
shops[1].child.send({ place: 'B-1' });

const deadline = Date.now() + 10_000;
while (shops.some((shop) => shop.heard < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
const total = shops.reduce((sum, shop) => sum + shop.heard, 0);
console.log(`${total} of 4 expected deliveries heard.`);
for (const shop of shops) shop.child.send({ stop: true });
process.exitCode = total === 4 ? 0 : 1;
