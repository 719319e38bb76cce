// One instance of the example: an ordinary Express app with remit added. Run two of them (main.mjs
// does) and a message posted to either one appears on the page of both.
import { fileURLToPath } from 'node:url';
import { amqp, createBus } from '@remit/core';
import { eventStream, health, metrics, remit } from '@remit/express';
import express from 'express';

const name = process.env.INSTANCE_NAME ?? 'a';
const port = Number(process.env.PORT ?? 3001);
const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const bus = createBus({
  service: 'example-express',
  transport: amqp({ url, exchange: process.env.REMIT_EXCHANGE ?? 'remit.example.express' }),
});

const app = express();
app.use(express.json());
// One line: app.emit('message.posted', …) now reaches every instance, and app.on hears them all.
app.use(remit(bus, { events: ['message.posted'] }));

app.on('message.posted', (message, meta) => {
  console.log(`[${name}] message.posted from ${meta ? `another instance (${message.from})` : 'this instance'}: ${message.text}`);
});

app.post('/messages', (req, res) => {
  const text = typeof req.body?.text === 'string' ? req.body.text.slice(0, 500) : '';
  if (text === '') {
    res.status(400).json({ error: 'send JSON like {"text": "hello"}' });
    return;
  }
  // An app event like any other; remit carries it to the other instance.
  req.app.emit('message.posted', { text, from: name, at: new Date() });
  res.status(202).json({ posted: text, by: name });
});

// Browsers on either instance see every message: the Date arrives as an ISO string.
app.get('/events', eventStream(bus, { events: ['message.posted'] }));
app.get('/health', health(bus));
// Prometheus: per-event counters, handler durations and delivery lag (docs/metrics.md).
app.get('/metrics', metrics(bus));
app.use(express.static(fileURLToPath(new URL('./public', import.meta.url))));

await bus.start();
const server = app.listen(port, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`[${name}] listening on http://localhost:${actual}`);
});

let closing = false;
async function shutdown() {
  // Ctrl+C reaches this process twice (from the terminal and from main.mjs); close once.
  if (closing) return;
  closing = true;
  // Closing the bus also ends the open event streams, so server.close() can finish.
  server.close();
  await bus.close();
  console.log(`[${name}] closed`);
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
