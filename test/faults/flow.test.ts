import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

let topology: TestTopology;
afterEach(async () => topology.cleanup());

/** A handler that takes `ms` per event, and what it saw: start and end order, and the most runs at once. */
function slowHandler(ms: number) {
  const seen = { running: 0, most: 0, started: [] as number[], handled: [] as number[] };
  const handler = async (n: unknown) => {
    seen.started.push(n as number);
    seen.running++;
    seen.most = Math.max(seen.most, seen.running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    seen.running--;
    seen.handled.push(n as number);
  };
  return { seen, handler };
}

describe('flow control, counted', () => {
  it('a slow consumer never runs more handlers at once than its prefetch, and handles everything', async () => {
    topology = new TestTopology();
    const group = topology.group('slow');
    const consumer = topology.bus({ service: 'slow', prefetch: 5 });
    const { seen, handler } = slowHandler(20);
    consumer.on('work', handler, { group });
    const publisher = topology.bus({ service: 'fast' });
    await Promise.all([consumer.start(), publisher.start()]);
    await Promise.all(Array.from({ length: 100 }, (_, n) => publisher.publish('work', n)));
    await waitFor('all 100 handled', () => seen.handled.length === 100, 20_000);
    console.log(`[fault] slow consumer: 100 handled, at most ${seen.most} at once with prefetch 5`);
    expect(seen.most).toBeLessThanOrEqual(5);
    expect(new Set(seen.handled).size).toBe(100);
  });

  it('queueConcurrency bounds handler runs below the prefetch; the waiting deliveries start in arrival order', async () => {
    topology = new TestTopology();
    const group = topology.group('buffered');
    // The broker may hand over 60 at once; only 4 handlers run, the rest wait in memory.
    const consumer = topology.bus({ service: 'buffered', prefetch: 60, queueConcurrency: 4 });
    const { seen, handler } = slowHandler(10);
    consumer.on('job', handler, { group });
    const publisher = topology.bus({ service: 'feeder' });
    await Promise.all([consumer.start(), publisher.start()]);
    for (let n = 0; n < 120; n++) await publisher.publish('job', n);
    await waitFor('all 120 handled', () => seen.handled.length === 120, 20_000);
    console.log(`[fault] prefetch 60, queueConcurrency 4: 120 handled, at most ${seen.most} at once`);
    expect(seen.most).toBe(4);
    // One publisher, one queue, one consumer: the queue's order is the publish order.
    expect(seen.started).toEqual(Array.from({ length: 120 }, (_, n) => n));
    expect(new Set(seen.handled).size).toBe(120);
    expect(consumer.stats().duplicates).toBe(0);
  });

  it('close() leaves the deliveries waiting for a slot to the broker, which gives them to another instance', async () => {
    topology = new TestTopology();
    const group = topology.group('handover');
    // 20 delivered at once, 1 handled at a time: 19 wait in memory when close() begins.
    const first = topology.bus({ service: 'handover', prefetch: 20, queueConcurrency: 1 });
    const firstRun = slowHandler(300);
    first.on('job', firstRun.handler, { group });
    const publisher = topology.bus({ service: 'feeder' });
    await Promise.all([first.start(), publisher.start()]);
    await Promise.all(Array.from({ length: 20 }, (_, n) => publisher.publish('job', n)));
    await waitFor('the first job started', () => firstRun.seen.started.length === 1);
    await first.close();
    const second = topology.bus({ service: 'handover' });
    const secondRun = slowHandler(1);
    second.on('job', secondRun.handler, { group });
    await second.start();
    await waitFor('the rest handled by the second instance', () => firstRun.seen.handled.length + secondRun.seen.handled.length === 20, 10_000);
    console.log(`[fault] close with 19 waiting: first instance handled ${firstRun.seen.handled.length}, the second ${secondRun.seen.handled.length}`);
    // The one running when close() began finished there; none of the waiting ones ran there.
    expect(firstRun.seen.started).toEqual([0]);
    expect(firstRun.seen.handled).toEqual([0]);
    expect([...secondRun.seen.handled].sort((a, b) => a - b)).toEqual(Array.from({ length: 19 }, (_, n) => n + 1));
  });

  it('publisher backpressure: 400 events of 64 KiB published at once are all confirmed and arrive in order', async () => {
    topology = new TestTopology();
    const group = topology.group('bulk');
    const consumer = topology.bus({ service: 'bulk' });
    const order: number[] = [];
    consumer.on('blob', (event) => void order.push((event as { n: number }).n), { group });
    const publisher = topology.bus({ service: 'firehose', codec: 'json' });
    await Promise.all([consumer.start(), publisher.start()]);
    const blob = 'x'.repeat(64 * 1024);
    // 25 MiB written at once: far more than a socket buffer, so amqplib's publish() returns
    // false and the outbox waits for 'drain' instead of buffering without bound.
    await Promise.all(Array.from({ length: 400 }, (_, n) => publisher.publish('blob', { n, blob })));
    expect(publisher.stats().confirmed).toBe(400);
    await waitFor('all 400 at the consumer', () => order.length === 400, 30_000);
    expect(order).toEqual(Array.from({ length: 400 }, (_, n) => n));
  });
});
