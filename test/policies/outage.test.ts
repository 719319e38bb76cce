import { afterEach, describe, expect, it } from 'vitest';
import { deleteTopology, queueInfo, waitFor } from '../helpers/broker.js';
import { delayQueueName, TestTopology } from '../helpers/buses.js';

type Events = { 'order.placed': { n: number } };

let topology: TestTopology;
const delayQueues: string[] = [];
afterEach(async () => {
  await topology.cleanup();
  await deleteTopology({ queues: delayQueues.splice(0) });
});

describe('the outage scenario of docs/policies.md, with delays scaled down 20×', () => {
  it('handles every event published while a dependency is down once it is back, and dead-letters none', async () => {
    topology = new TestTopology();
    // docs/policies.md: delays ['10s', '30s', '1m', '2m'] and a 2-minute outage; here ÷20.
    const delays = [500, 1500, 3000, 6000];
    for (const ms of delays) delayQueues.push(delayQueueName(ms, topology.exchange, topology.deadLetter));
    const outageMs = 6000;
    const group = topology.group('shipping');
    const consumer = topology.bus<Events>({ service: 'shipping' });
    let downUntil = 0;
    const handled = new Set<number>();
    let calls = 0;
    consumer.on(
      'order.placed',
      function ship({ n }) {
        calls++;
        if (Date.now() < downUntil) throw new Error('the carrier API is down');
        handled.add(n);
      },
      { group, retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 100, delays } },
    );
    const publisher = topology.bus<Events>({ service: 'shop' });
    await Promise.all([consumer.start(), publisher.start()]);

    downUntil = Date.now() + outageMs;
    const started = Date.now();
    let published = 0;
    // 20 events/s through the outage's first 4 s.
    while (Date.now() - started < 4000) {
      await publisher.publish('order.placed', { n: published++ });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor('every event of the outage', () => handled.size === published, 30_000);
    const afterMs = Date.now() - downUntil;
    const stats = consumer.stats();
    console.log(
      `[policies] outage: dependency down ${outageMs} ms, ${published} events published during it, ${handled.size} handled once it was back ` +
        `(the last ${afterMs} ms after), ${stats.deadLettered} dead-lettered; ${calls} calls, ${stats.delayed} delayed retries`,
    );
    expect(stats.deadLettered).toBe(0);
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(0);
  });
});
