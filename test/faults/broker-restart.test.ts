import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqp, type Bus, createBus, type StatusChange } from '@remit/core';
import { unique, waitFor } from '../helpers/broker.js';
import { expectNothingLost, Ledger, type Sequence } from '../helpers/ledger.js';
import { RabbitNode } from '../helpers/rabbit-node.js';

type Events = { seq: Sequence };

let node: RabbitNode;
beforeAll(async () => {
  node = await RabbitNode.start('restart');
}, 90_000);
afterAll(async () => node?.destroy(), 60_000);

/**
 * A publisher, and a consumer with three handlers: a group handler, a broadcast handler on a
 * stable instance id (catch-up queue) and, on a second consumer without an instance id, a plain
 * broadcast handler (exclusive queue, which may miss what is published while it is disconnected).
 */
async function scenario(label: string) {
  const ledger = new Ledger();
  const group = unique('fault');
  const statuses: StatusChange[] = [];
  const transport = () => amqp({ url: node.url(), heartbeatSeconds: 2 });
  const publisher = createBus<Events>({ service: 'producer', transport: transport(), logger: false });
  const consumer = createBus<Events>({ service: 'consumer', instanceId: `${label}-1`, transport: transport(), logger: false });
  const plain = createBus<Events>({ service: 'plain', transport: transport(), logger: false });
  publisher.on('seq', ledger.handler('own (local)'));
  consumer.on('seq', ledger.handler('group'), { group });
  consumer.on('seq', ledger.handler('stable broadcast'));
  plain.on('seq', ledger.handler('plain broadcast'));
  consumer.onStatus((change) => void statuses.push(change));
  const buses: Bus<Events>[] = [publisher, consumer, plain];
  await Promise.all(buses.map((bus) => bus.start()));
  return {
    ledger,
    statuses,
    publisher,
    consumer,
    async finish(): Promise<void> {
      await ledger.settle(['group', 'stable broadcast'], label);
      await Promise.all(buses.map((bus) => bus.close({ timeoutMs: 5000 })));
    },
  };
}

describe('broker faults, counted', () => {
  it('a graceful broker restart loses no confirmed event and rejects no publish', async () => {
    const run = await scenario('graceful-restart');
    await run.ledger.stream(run.publisher, { count: 400, intervalMs: 10, faultAt: 150, fault: () => node.restart() });
    await run.finish();
    expectNothingLost(run.ledger, ['group', 'stable broadcast', 'own (local)']);
    expect(run.ledger.duplicates('plain broadcast')).toBe(0);
    expect(run.statuses.map((change) => change.status)).toContain('disconnected');
    expect(run.consumer.stats().reconnects).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('kill -9 of the broker loses no confirmed event and rejects no publish', async () => {
    const run = await scenario('kill-9');
    await run.ledger.stream(run.publisher, {
      count: 400,
      intervalMs: 10,
      faultAt: 150,
      fault: async () => {
        await node.kill();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await node.start();
      },
    });
    await run.finish();
    expectNothingLost(run.ledger, ['group', 'stable broadcast', 'own (local)']);
    expect(run.ledger.duplicates('plain broadcast')).toBe(0);
  }, 120_000);

  it('rabbitmqctl close_all_connections loses no confirmed event, and every bus reconnects', async () => {
    const run = await scenario('close-all-connections');
    await run.ledger.stream(run.publisher, {
      count: 300,
      intervalMs: 10,
      faultAt: 100,
      fault: async () => {
        await node.ctl('close_all_connections', 'fault test');
      },
    });
    await run.finish();
    expectNothingLost(run.ledger, ['group', 'stable broadcast', 'own (local)']);
    expect(run.ledger.duplicates('plain broadcast')).toBe(0);
    await waitFor('the consumer to report its reconnect', () => run.statuses.some((change) => change.status === 'disconnected'));
  }, 120_000);
});
