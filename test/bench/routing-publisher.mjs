// The publisher of the routing bench: one remit bus publishing `count` events at `rate` events/s,
// the eight kinds in turn, so every kind is equally busy.
import { amqp, createBus } from '@remit/core';

const { url, names, routing, kinds, count, rate } = JSON.parse(process.env.BENCH ?? '{}');
// Under topic routing, kinds nobody handles come back unroutable: expected here, not logged.
const bus = createBus({
  service: 'bench-routing-publisher',
  logger: false,
  onError: () => {},
  transport: amqp({ url, routing, exchange: names.exchange, presenceExchange: names.presenceExchange, requestExchange: names.requestExchange }),
});
await bus.start();
process.send({ type: 'ready' });
await new Promise((resolve) => process.once('message', resolve));
const started = performance.now();
const pending = [];
for (let seq = 0; seq < count; seq++) {
  const wait = started + (seq * 1000) / rate - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  pending.push(bus.publish(kinds[seq % kinds.length], { seq }));
}
await Promise.all(pending);
const ms = performance.now() - started;
await bus.close();
process.send({ type: 'done', ms });
process.exit(0);
