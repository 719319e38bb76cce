// One instance of a small "shop" service: a plain node:events emitter, bridged to the bus.
// Its code knows nothing of RabbitMQ; it emits and listens as it always did.
import { EventEmitter } from 'node:events';
import { amqp, createBus } from '@remit/core';
import { bridge } from '@remit/emitter';

const name = process.argv[2] ?? 'shop';
const bus = createBus({ service: 'shop', transport: amqp({ url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' }) });
const events = new EventEmitter();
const unbridge = bridge(events, bus, { events: ['order.placed'] });

events.on('order.placed', (order, meta) => {
  const from = meta ? `instance ${meta.instance.slice(0, 8)} (${meta.service})` : 'this process';
  console.log(`[${name}] heard order ${order.id} for ${order.total} cents, placed ${order.at.toISOString()} by ${from}`);
  process.send?.({ heard: order.id });
});

process.on('message', async (message) => {
  if (message.place) {
    // A Date stays a Date on the other side (superjson on the wire).
    events.emit('order.placed', { id: message.place, total: 1250, at: new Date() });
  } else if (message.stop) {
    unbridge();
    await bus.close();
    process.exit(0);
  }
});

await bus.start();
process.send?.({ ready: true });
