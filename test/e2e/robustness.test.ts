import { afterEach, describe, expect, it } from 'vitest';
import type { FailureReport, StatusChange } from '@remit/core';
import { waitFor, withRawChannel } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

let topology: TestTopology;
afterEach(async () => topology.cleanup());

describe('topology broken under a running bus', () => {
  it('reports an event that reached no queue (mandatory publish) and still resolves the publish', async () => {
    topology = new TestTopology();
    const failures: FailureReport[] = [];
    // A stable instance id makes the broadcast queue non-exclusive, so a raw client may unbind it.
    const instanceId = topology.group('lonely');
    const bus = topology.bus({ service: 'lonely', instanceId, onError: (failure) => void failures.push(failure) });
    const queue = topology.track(`remit.instance.lonely.${instanceId}`);
    await bus.start();
    // Take away the only binding, the bus's own broadcast queue.
    await withRawChannel((channel) => channel.unbindQueue(queue, topology.exchange, ''));
    await bus.publish('nobody.listens', { n: 1 });
    await waitFor('the unroutable report', () => failures.some((failure) => failure.kind === 'unroutable'));
    expect(failures.find((failure) => failure.kind === 'unroutable')).toMatchObject({ event: 'nobody.listens' });
    expect(bus.stats().unroutable).toBe(1);
  });

  it('re-declares a deleted exchange and delivers the publish that ran into it', async () => {
    topology = new TestTopology();
    const failures: FailureReport[] = [];
    const statuses: StatusChange[] = [];
    const bus = topology.bus({ service: 'pub', onError: (failure) => void failures.push(failure) });
    bus.onStatus((change) => void statuses.push(change));
    const heard: number[] = [];
    bus.on('after', (n) => void heard.push(n as number), { group: topology.group('exchange') });
    await bus.start();
    await withRawChannel((channel) => channel.deleteExchange(topology.exchange));
    // The publish channel dies on the missing exchange; the connection is rebuilt with the
    // exchange and this bus's bindings, and the outbox sends the event again.
    await bus.publish('after', 1);
    await waitFor('the event, delivered through the re-declared exchange', () => heard.includes(1));
    expect(failures.some((failure) => /NOT_FOUND|not found|exchange/i.test(failure.error.message))).toBe(true);
    expect(statuses.map((change) => change.status)).toContain('disconnected');
    expect(bus.health().status).toBe('connected');
  });

  it('declares a deleted dead-letter queue again instead of losing the dead letter', async () => {
    topology = new TestTopology();
    const bus = topology.bus({ service: 'failing', retry: { attempts: 1 } });
    const publisher = topology.bus({ service: 'pub' });
    bus.on('doomed', () => {
      throw new Error('always');
    });
    await Promise.all([bus.start(), publisher.start()]);
    await withRawChannel((channel) => channel.deleteQueue(topology.deadLetter));
    await publisher.publish('doomed', 1);
    await waitFor('the dead letter', async () =>
      withRawChannel(async (channel) => (await channel.checkQueue(topology.deadLetter)).messageCount === 1).catch(() => false),
    );
    // The queue shows the message a moment before the broker's confirm reaches the bus.
    await waitFor('the confirm of the dead letter', () => bus.stats().deadLettered === 1);
    expect(bus.stats().deadLettered).toBe(1);
  });
});
