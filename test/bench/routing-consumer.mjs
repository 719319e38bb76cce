// One consumer instance of the routing bench: a remit bus (default options but `routing`) with one
// handler, for one event kind out of eight. Measures from its first tenth of events (JIT warm-up
// left out) until it has every event of its kind and (fanout) every event the broker routes to it:
// events received, handled, CPU time and wall time in that window.
import { amqp, createBus } from '@remit/core';

const { url, names, routing, kind, expectedHandled, expectedReceived } = JSON.parse(process.env.BENCH ?? '{}');
const bus = createBus({
  service: `bench-routing-${kind}`,
  logger: false,
  transport: amqp({ url, routing, exchange: names.exchange, presenceExchange: names.presenceExchange, requestExchange: names.requestExchange }),
});
const warmup = Math.floor(expectedHandled / 10);
let handled = 0;
let from = null;
let reported = false;
const report = () => {
  const received = bus.stats().received;
  if (reported || from === null || handled < expectedHandled || received < expectedReceived) return;
  reported = true;
  const cpu = process.cpuUsage(from.cpu);
  process.send({ type: 'done', received: received - from.received, handled: handled - from.handled, cpu, ms: performance.now() - from.at });
};
bus.on(kind, () => {
  handled++;
  if (handled === warmup) {
    from = { cpu: process.cpuUsage(), received: bus.stats().received, handled, at: performance.now() };
    // Fanout: the last events delivered may be other kinds, after the last one of this kind.
    setInterval(report, 50).unref();
  }
  report();
});
await bus.start();
process.on('message', async (message) => {
  if (message.type === 'stop') {
    await bus.close();
    process.exit(0);
  }
});
process.send({ type: 'ready' });
