import { afterEach, describe, expect, it } from 'vitest';
import { type EventMeta, Header } from '@remit/core';
import { deleteTopology, drainQueue, queueInfo, waitFor, withRawChannel } from '../helpers/broker.js';
import { delayQueueName, TestTopology } from '../helpers/buses.js';

type Events = { 'invoice.due': { n: number } };

let topology: TestTopology;
let delayQueues: string[] = [];
afterEach(async () => {
  await topology.cleanup();
  await deleteTopology({ queues: delayQueues.splice(0) });
});

/** The delay queue of `ms` on this topology's exchange. */
function delayQueue(ms: number): string {
  const name = delayQueueName(ms, topology.exchange, topology.deadLetter);
  delayQueues.push(name);
  return name;
}

describe('delayed retries through broker delay queues', () => {
  it('sends a failed event back after each delay (within +1 s), runs only the handler that failed, and counts tries across deliveries', async () => {
    topology = new TestTopology();
    const group = topology.group('billing');
    const consumer = topology.bus<Events>({ service: 'billing' });
    const tries: Array<{ attempt: number; at: number }> = [];
    const audits: number[] = [];
    consumer.on(
      'invoice.due',
      function charge(_invoice: Events['invoice.due'], meta: EventMeta) {
        tries.push({ attempt: meta.attempt, at: Date.now() });
        if (meta.attempt < 3) throw new Error('payment service down');
      },
      { group, retry: { attempts: 1, delays: ['1s', 2000] } },
    );
    consumer.on('invoice.due', ({ n }) => void audits.push(n), { group, name: 'audit' });
    const publisher = topology.bus<Events>({ service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    await publisher.publish('invoice.due', { n: 1 });

    await waitFor('the first delayed retry to wait in its delay queue', async () => (await queueInfo(delayQueue(1000))).messageCount === 1);
    // Waiting on the broker: nothing in the group queue, nothing held by the consumer.
    expect((await queueInfo(topology.groupQueue(group))).messageCount).toBe(0);
    await waitFor('the third try', () => tries.length === 3, 10_000);
    delayQueue(2000);

    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
    const [first, second, third] = tries.map((t) => t.at);
    const gaps = [(second ?? 0) - (first ?? 0), (third ?? 0) - (second ?? 0)];
    console.log(`[policies] delayed retries 1 s, 2 s: came back after ${gaps.map((gap) => `${gap} ms`).join(' and ')}`);
    expect(gaps[0]).toBeGreaterThanOrEqual(950);
    expect(gaps[0]).toBeLessThanOrEqual(2000);
    expect(gaps[1]).toBeGreaterThanOrEqual(1950);
    expect(gaps[1]).toBeLessThanOrEqual(3000);
    expect(audits).toEqual([1]);
    expect(consumer.stats()).toMatchObject({ delayed: 2, deadLettered: 0, failed: 0, handled: 1 });
  });

  it('dead-letters after the last delay, saying how many tries and which delays it had', async () => {
    topology = new TestTopology();
    const consumer = topology.bus<Events>({ service: 'billing' });
    consumer.on(
      'invoice.due',
      function charge() {
        throw new Error('payment service down');
      },
      { retry: { attempts: 2, initialDelayMs: 1, delays: [300, 600] } },
    );
    const publisher = topology.bus<Events>({ service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    delayQueue(300);
    delayQueue(600);
    await publisher.publish('invoice.due', { n: 9 });
    await waitFor('the dead letter', async () => (await queueInfo(topology.deadLetter)).messageCount === 1, 10_000);
    const [dead] = await withRawChannel((channel) => drainQueue(channel, topology.deadLetter));
    expect(dead?.properties.headers).toMatchObject({
      [Header.deadReason]: 'handler-failed',
      [Header.deadHandler]: 'charge',
      [Header.deadAttempts]: 6,
      [Header.deadDelays]: '300,600',
    });
    // The broker's own x-death headers of the delay queues were not carried along. (The quorum
    // dead-letter queue adds its own x-delivery-count when the message is read from it.)
    expect(Object.keys(dead?.properties.headers ?? {}).filter((key) => key.startsWith('x-') && key !== 'x-delivery-count')).toEqual([]);
    expect(consumer.stats()).toMatchObject({ delayed: 2, deadLettered: 1, failed: 1, retried: 3 });
  });
});
