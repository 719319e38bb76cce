// A remit publisher whose broker goes away (the parent cuts it off with a proxy). It publishes
// past the outbox's bound while disconnected and reports RSS, the outbox size and how many
// publishes were refused; then, once the broker is back, how many were confirmed.
import { amqp, createBus } from '@remit/core';

const { url, exchange, count, bodyBytes } = JSON.parse(process.env.BENCH ?? '{}');
const rss = () => process.memoryUsage().rss;
const bus = createBus({
  service: 'bench-outbox',
  transport: amqp({ url, exchange, reconnect: { initialDelayMs: 100, maxDelayMs: 200 } }),
  publishTimeoutMs: 600_000,
});
await bus.start();
const filler = 'x'.repeat(bodyBytes);
process.send({ type: 'ready' });
await new Promise((resolve) => process.once('message', resolve)); // the broker is gone now

globalThis.gc?.();
const before = rss();
let refused = 0;
let maxOutbox = 0;
const pending = [];
for (let seq = 0; seq < count; seq++) {
  pending.push(
    bus.publish('bench', { seq, filler }).then(
      () => 'confirmed',
      (error) => {
        if (error.name === 'BufferFullError') refused++;
        return error.name;
      },
    ),
  );
  if (seq % 100 === 0) maxOutbox = Math.max(maxOutbox, bus.health().outbox);
  // Let refusals and timers run, as a real app between publishes would.
  if (seq % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
}
maxOutbox = Math.max(maxOutbox, bus.health().outbox);
// Refusals settle in later microtasks; count them all before reporting.
await new Promise((resolve) => setImmediate(resolve));
globalThis.gc?.();
const full = rss();
process.send({ type: 'filled', before, full, refused, maxOutbox, outbox: bus.health().outbox });
await new Promise((resolve) => process.once('message', resolve)); // the broker is back
const outcomes = await Promise.all(pending);
process.send({ type: 'done', confirmed: outcomes.filter((o) => o === 'confirmed').length, after: rss() });
await bus.close();
process.exit(0);
