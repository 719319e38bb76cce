import { expect, it } from 'vitest';
import { amqp, createBus, type Bus } from '@remit/core';
import { unique, waitFor } from '../helpers/broker.js';
import { Ledger, type Sequence } from '../helpers/ledger.js';
import { RabbitNode } from '../helpers/rabbit-node.js';

/**
 * `pnpm soak`: publishes at 200 events/s to a group handler and a stable-instance broadcast
 * handler while the test-owned broker is restarted again and again, then prints what was
 * published, confirmed, handled, lost and duplicated, and how long reconnecting took.
 */
const GRACEFUL = Number(process.env.SOAK_GRACEFUL ?? 20);
const KILLS = Number(process.env.SOAK_KILLS ?? 5);
const RATE_PER_S = Number(process.env.SOAK_RATE ?? 200);
const BATCH_MS = 50;

type Events = { seq: Sequence };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

it('soak: restarts under load lose no confirmed event', async () => {
  const node = await RabbitNode.start('soak');
  const ledger = new Ledger();
  const transport = () => amqp({ url: node.url(), heartbeatSeconds: 2 });
  const publisher: Bus<Events> = createBus<Events>({ service: 'soak-producer', transport: transport() });
  const consumer: Bus<Events> = createBus<Events>({ service: 'soak-consumer', instanceId: 'soak-1', transport: transport() });
  consumer.on('seq', ledger.handler('group'), { group: unique('soak') });
  consumer.on('seq', ledger.handler('stable broadcast'));
  let connectedAt = 0;
  consumer.onStatus((change) => {
    if (change.status === 'connected') connectedAt = Date.now();
  });
  await Promise.all([publisher.start(), consumer.start()]);

  let seq = 0;
  const sends: Promise<void>[] = [];
  let publishing = true;
  const loopStarted = Date.now();
  const loop = (async () => {
    while (publishing) {
      // Catch up to the target rate, whatever the timer drift: timers fire late on a busy machine.
      const due = Math.floor(((Date.now() - loopStarted) / 1000) * RATE_PER_S);
      while (seq < due) sends.push(ledger.publish(publisher, seq++));
      await new Promise((resolve) => setTimeout(resolve, BATCH_MS));
    }
  })();

  const reconnectMs: number[] = [];
  const started = Date.now();
  const faults = [...Array<string>(GRACEFUL).fill('graceful'), ...Array<string>(KILLS).fill('kill -9')];
  for (const [index, fault] of faults.entries()) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (fault === 'graceful') await node.stop();
    else await node.kill();
    const before = connectedAt;
    await node.start();
    const answeredAt = Date.now();
    await waitFor('the consumer to reconnect', () => connectedAt > before, 30_000);
    reconnectMs.push(Math.max(0, connectedAt - answeredAt));
    console.log(`[soak] ${index + 1}/${faults.length} ${fault}: consuming again ${Math.max(0, connectedAt - answeredAt)} ms after the broker answered`);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  publishing = false;
  await loop;
  await Promise.all(sends);
  await waitFor('every confirmed event handled', () => ledger.lost('group').length === 0 && ledger.lost('stable broadcast').length === 0, 60_000).catch(() => {});
  const seconds = (Date.now() - started) / 1000;
  const rate = ledger.published / ((Date.now() - loopStarted) / 1000);
  console.log(ledger.summary(`soak ${GRACEFUL} graceful + ${KILLS} kill -9 restarts over ${seconds.toFixed(0)} s at ${rate.toFixed(0)} ev/s (target ${RATE_PER_S})`));
  console.log(`[soak] reconnect after the broker answered: p50 ${percentile(reconnectMs, 50)} ms, max ${Math.max(...reconnectMs)} ms; consumer reconnects ${consumer.stats().reconnects}, duplicates dropped ${consumer.stats().duplicates}`);
  await Promise.all([publisher.close(), consumer.close()]);
  await node.destroy();

  expect(ledger.pending).toBe(0);
  expect(ledger.rejected).toEqual([]);
  expect(ledger.lost('group')).toEqual([]);
  expect(ledger.lost('stable broadcast')).toEqual([]);
}, 30 * 60_000);
