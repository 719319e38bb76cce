import { afterEach, describe, expect, it } from 'vitest';
import type { HandlerStatusChange } from '@remit/core';
import { deleteTopology, queueInfo, waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

type Events = { 'invoice.due': { n: number } };

let topology: TestTopology;
const delayQueues: string[] = [];
afterEach(async () => {
  await topology.cleanup();
  await deleteTopology({ queues: delayQueues.splice(0) });
});

describe('circuit breaker on the real broker', () => {
  it('pauses the handler\'s queue while its dependency fails: events wait ready in the queue, none is dead-lettered, and all are handled once it is back', async () => {
    topology = new TestTopology();
    const group = topology.group('billing');
    delayQueues.push(`remit.delay.1000@${topology.exchange}`);
    const changes: HandlerStatusChange[] = [];
    const consumer = topology.bus<Events>({ service: 'billing', prefetch: 5 });
    let dependencyUp = false;
    const handled = new Set<number>();
    consumer.on(
      'invoice.due',
      function charge({ n }) {
        if (!dependencyUp) throw new Error('payment service down');
        handled.add(n);
      },
      // Failed calls come back after a second; the breaker stops the rest from being tried meanwhile.
      { group, retry: { attempts: 1, delays: ['1s', '1s', '1s', '1s', '1s'] }, circuitBreaker: { minCalls: 5, failureRatio: 0.5, pauseMs: 800, windowMs: 10_000 } },
    );
    consumer.onStatus((change) => {
      if (change.kind === 'handler') changes.push(change);
    });
    const publisher = topology.bus<Events>({ service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    const total = 40;
    for (let n = 0; n < total; n++) await publisher.publish('invoice.due', { n });

    await waitFor('the breaker to pause the queue', () => consumer.health().handlers[0]?.status === 'paused');
    const paused = consumer.health().handlers[0];
    expect(paused).toMatchObject({ event: 'invoice.due', handler: 'charge', group, status: 'paused' });
    expect(paused?.pausedUntil).toBeInstanceOf(Date);
    // While paused, the events this instance did not take wait ready in the group queue.
    const waiting = (await queueInfo(topology.groupQueue(group))).messageCount;
    expect(waiting).toBeGreaterThan(0);
    dependencyUp = true;
    await waitFor('every event', () => handled.size === total, 20_000);
    const stats = consumer.stats();
    console.log(
      `[policies] circuit breaker: ${total} events, paused ${stats.paused} time(s) with ${waiting} events waiting ready in the queue; ` +
        `${handled.size}/${total} handled once the dependency was back, ${stats.delayed} delayed retries, ${stats.deadLettered} dead-lettered`,
    );
    expect(stats.deadLettered).toBe(0);
    expect(changes.map((change) => change.status)).toEqual(['paused', 'running']);
    expect(consumer.health().handlers[0]?.status).toBe('running');
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(0);
  });
});
