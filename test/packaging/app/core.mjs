// An ESM program of a team that installed the packed tarballs: @remit/core over RabbitMQ, waited
// for with @remit/testing (its ESM build). Prints one JSON line.
import { amqp, createBus } from '@remit/core';
import { testHarness } from '@remit/testing';

const { url, exchange, service } = JSON.parse(process.env.SCRATCH_CONFIG);
const bus = createBus({ service, transport: amqp({ url, exchange }) });
const heard = [];
bus.on('user.created', (user, meta) => void heard.push({ id: user.id, at: user.at instanceof Date, tags: [...user.tags], from: meta.service }));
await bus.start();
const session = await testHarness([bus]).publishAndWait(bus, 'user.created', { id: 'u-1', at: new Date(), tags: new Set(['a']) });
await bus.close();
console.log(JSON.stringify({ heard, handled: session.handled.length, module: typeof require === 'undefined' ? 'esm' : 'cjs' }));
