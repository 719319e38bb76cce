import { amqp, createBus } from '@remit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, deleteTopology, queueInfo, waitFor, withRawChannel } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

type Events = { 'invoice.due': { n: number } };

let topology: TestTopology;
afterEach(async () => topology.cleanup());

describe('consumer groups over RabbitMQ', () => {
  it('runs a group handler once per event across 3 instances, and broadcast handlers on all', async () => {
    topology = new TestTopology();
    const group = topology.group('billing');
    const groupRuns: { instance: number; n: number }[] = [];
    const broadcastRuns: { instance: number; n: number }[] = [];
    const instances = [1, 2, 3].map((instance) => {
      const bus = topology.bus<Events>({ service: 'billing', prefetch: 1 });
      bus.on(
        'invoice.due',
        async ({ n }) => {
          groupRuns.push({ instance, n });
          // Holding the message a moment lets the other consumers take their share.
          await new Promise((resolve) => setTimeout(resolve, 10));
        },
        { group },
      );
      bus.on('invoice.due', ({ n }) => void broadcastRuns.push({ instance, n }));
      return bus;
    });
    const publisher = topology.bus<Events>({ service: 'scheduler' });
    await Promise.all([...instances, publisher].map((bus) => bus.start()));
    const count = 30;
    for (let n = 0; n < count; n++) await publisher.publish('invoice.due', { n });
    await waitFor('every group event', () => groupRuns.length >= count);
    await waitFor('every broadcast event', () => broadcastRuns.length >= count * 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(groupRuns.map((run) => run.n).sort((x, y) => x - y)).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(new Set(groupRuns.map((run) => run.instance)).size).toBeGreaterThan(1);
    expect(broadcastRuns).toHaveLength(count * 3);
  });

  it('declares the group as a durable quorum queue that keeps events while the group is down', async () => {
    topology = new TestTopology();
    const group = topology.group('keeper');
    const first = topology.bus<Events>({ service: 'keeper' });
    first.on('invoice.due', () => {}, { group });
    await first.start();
    await first.close();
    const publisher = topology.bus<Events>({ service: 'scheduler' });
    await publisher.start();
    await publisher.publish('invoice.due', { n: 7 });
    expect((await queueInfo(topology.groupQueue(group))).messageCount).toBe(1);
    const heard: number[] = [];
    const second = topology.bus<Events>({ service: 'keeper' });
    second.on('invoice.due', ({ n }) => void heard.push(n), { group });
    await second.start();
    await waitFor('the waiting event', () => heard.length === 1);
    expect(heard).toEqual([7]);
  });

  it('uses the service name as the group for { group: true }', async () => {
    topology = new TestTopology();
    const service = topology.group('svc');
    const bus = topology.bus<Events>({ service });
    const heard: number[] = [];
    bus.on('invoice.due', ({ n }) => void heard.push(n), { group: true });
    await bus.start();
    await bus.publish('invoice.due', { n: 1 });
    await waitFor('the group handler', () => heard.length === 1);
    await expect(withRawChannel((channel) => channel.checkQueue(topology.groupQueue(service)))).resolves.toMatchObject({
      queue: topology.groupQueue(service),
    });
  });
});

describe('group queue names', () => {
  it('keeps remit.group.<group> on the default exchange, and names the exchange on any other, so two systems never share one', async () => {
    topology = new TestTopology();
    const group = topology.group('shared');
    // On the default exchange, as existing deployments have it.
    const plain = createBus({ service: 'plain', transport: amqp({ url: AMQP_URL }), logger: false });
    plain.on('x', () => {}, { group });
    const other = topology.bus({ service: 'other' });
    other.on('x', () => {}, { group });
    try {
      await Promise.all([plain.start(), other.start()]);
      await expect(queueInfo(`remit.group.${group}`)).resolves.toMatchObject({ consumerCount: 1 });
      expect(topology.groupQueue(group)).toBe(`remit.group.${group}@${topology.exchange}`);
      await expect(queueInfo(topology.groupQueue(group))).resolves.toMatchObject({ consumerCount: 1 });
    } finally {
      await plain.close();
      await deleteTopology({ queues: [`remit.group.${group}`] });
    }
  });
});
