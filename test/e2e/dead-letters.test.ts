import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type FailureReport, Header } from '@remit/core';
import { drainQueue, queueInfo, waitFor, withRawChannel } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

let topology: TestTopology;
afterEach(async () => topology.cleanup());

function deadLetters(queue: string) {
  return withRawChannel((channel) => drainQueue(channel, queue));
}

describe('failing handlers', () => {
  it('retries a failing handler, then moves its event to the dead-letter queue with the reasons in headers', async () => {
    topology = new TestTopology();
    const failures: FailureReport[] = [];
    const publisher = topology.bus({ service: 'api' });
    const consumer = topology.bus({ service: 'mailer', onError: (failure) => void failures.push(failure) });
    let attempts = 0;
    consumer.on('user.created', async function sendWelcomeMail() {
      attempts++;
      throw new Error('SMTP server unavailable');
    });
    const healthy: unknown[] = [];
    consumer.on('user.created', (user) => void healthy.push(user));
    await Promise.all([publisher.start(), consumer.start()]);
    await publisher.publish('user.created', { id: 'u1' });
    await waitFor('the dead letter', async () => (await queueInfo(topology.deadLetter)).messageCount === 1);
    expect(attempts).toBe(3);
    expect(healthy).toHaveLength(1);
    const [dead] = await deadLetters(topology.deadLetter);
    const headers = dead?.properties.headers ?? {};
    expect(headers[Header.deadReason]).toBe('handler-failed');
    expect(headers[Header.deadHandler]).toBe('sendWelcomeMail');
    expect(headers[Header.deadAttempts]).toBe(3);
    expect(headers[Header.deadEvent]).toBe('user.created');
    expect(String(headers[Header.deadError])).toContain('SMTP server unavailable');
    expect(headers[Header.deadBy]).toBe(consumer.instanceId);
    expect(dead?.properties.type).toBe('user.created');
    // A plain JSON payload travels as plain JSON (wire format 2), with no remit-codec header.
    expect(JSON.parse(dead?.content.toString() ?? '')).toEqual({ id: 'u1' });
    expect(failures).toMatchObject([{ kind: 'handler', handler: 'sendWelcomeMail', attempts: 3 }]);
    expect(consumer.stats()).toMatchObject({ failed: 1, retried: 2, deadLettered: 1 });
  });

  it('handles the event when a retry succeeds, and dead-letters nothing', async () => {
    topology = new TestTopology();
    const publisher = topology.bus({ service: 'api' });
    const consumer = topology.bus({ service: 'flaky' });
    let attempts = 0;
    consumer.on('job', () => {
      attempts++;
      if (attempts < 3) throw new Error('transient');
    });
    await Promise.all([publisher.start(), consumer.start()]);
    await publisher.publish('job', { id: randomUUID() });
    await waitFor('the third attempt', () => consumer.stats().handled === 1);
    expect(attempts).toBe(3);
    expect(consumer.stats()).toMatchObject({ retried: 2, failed: 0, deadLettered: 0 });
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(0);
  });

  it('dead-letters a group event whose handler keeps failing, once for the group', async () => {
    topology = new TestTopology();
    const group = topology.group('workers');
    const workers = [1, 2].map(() => {
      const bus = topology.bus({ service: 'worker' });
      bus.on('task', () => Promise.reject(new Error('bad task')), { group });
      return bus;
    });
    const publisher = topology.bus({ service: 'api' });
    await Promise.all([publisher, ...workers].map((bus) => bus.start()));
    await publisher.publish('task', { n: 1 });
    await waitFor('the dead letter', async () => (await queueInfo(topology.deadLetter)).messageCount === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const dead = await deadLetters(topology.deadLetter);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.properties.headers?.[Header.deadQueue]).toBe(topology.groupQueue(group));
  });
});
