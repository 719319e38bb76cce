// A child of the outbox bench: `relay` runs a PostgreSQL outbox relay (default options) until told
// to stop (with `drain`, from the moment it is told to go); `direct` publishes `count` events with bus.publish, 1000 in flight (the baseline).
import { amqp, createBus } from '@remit/core';
import { postgresOutbox } from '@remit/postgres';
import pg from 'pg';
import { plainPayload } from './payloads.mjs';

const { role, url, exchange, pgUrl, schema, count, drain } = JSON.parse(process.env.BENCH ?? '{}');
const bus = createBus({ service: 'bench-outbox', transport: amqp({ url, exchange }) });
await bus.start();

if (role === 'relay') {
  const pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
  const outbox = postgresOutbox({ bus, pool, schema });
  // `drain`: the backlog is written before; the relay starts on `go`, when the clock starts.
  if (drain) {
    process.send({ type: 'ready' });
    await new Promise((resolve) => process.once('message', resolve));
    process.send({ type: 'go', first: performance.timeOrigin + performance.now() });
  }
  await outbox.start();
  if (!drain) process.send({ type: 'ready' });
  process.on('message', async (message) => {
    if (message.type !== 'stop') return;
    const { sent } = await outbox.stats();
    await outbox.close();
    await bus.close();
    await pool.end();
    process.send({ type: 'stopped', sent, cpu: process.cpuUsage() });
    process.exit(0);
  });
} else {
  process.send({ type: 'ready' });
  process.once('message', async () => {
    const first = performance.timeOrigin + performance.now();
    const inFlight = new Set();
    for (let seq = 0; seq < count; seq++) {
      const publish = bus.publish('bench', plainPayload(seq)).finally(() => inFlight.delete(publish));
      inFlight.add(publish);
      if (inFlight.size >= 1000) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    process.send({ type: 'done', first, cpu: process.cpuUsage() });
    await bus.close();
    process.exit(0);
  });
}
