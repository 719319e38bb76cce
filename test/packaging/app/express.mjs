// An Express 5 app (ESM) with the packed @remit/express: the app-event bridge, health, and the HTTP
// gateway in front of a request handler. Prints one JSON line.
import { amqp, createBus } from '@remit/core';
import { gateway, health, remit } from '@remit/express';
import express from 'express';

const { url, exchange, service } = JSON.parse(process.env.SCRATCH_CONFIG);
const bus = createBus({ service, transport: amqp({ url, exchange }) });
bus.handle('price.quote', ({ sku }) => ({ sku, cents: 1250 }));
const app = express();
app.use(remit(bus, { events: ['page.viewed'] }));
const viewed = new Promise((resolve) => app.on('page.viewed', (page, meta) => resolve({ page, remote: meta !== undefined })));
app.post('/quote', express.json(), gateway(bus, 'price.quote'));
app.get('/health', health(bus));
await bus.start();
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const quote = await fetch(`${base}/quote`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1"}' });
const healthy = await fetch(`${base}/health`);
app.emit('page.viewed', { path: '/' });
const result = { quote: { status: quote.status, body: await quote.json() }, health: healthy.status, viewed: await viewed };
server.close();
await bus.close();
console.log(JSON.stringify(result));
