import { afterEach, describe, expect, it } from 'vitest';
import type { BusStatusChange, FailureReport } from '@remit/core';
import { queueInfo, waitFor, withRawChannel } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { closeConnectionsNamed } from '../helpers/rabbitmqctl.js';

let topology: TestTopology;
afterEach(async () => topology.cleanup());

describe('start, close and drain', () => {
  it('close() lets a running handler finish and acks it, so nobody handles it again', async () => {
    topology = new TestTopology();
    const group = topology.group('drain');
    const slow = topology.bus({ service: 'worker' });
    const spare = topology.bus({ service: 'worker' });
    const finished: string[] = [];
    let started = false;
    slow.on('job', async () => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished.push('slow');
    }, { group });
    const publisher = topology.bus({ service: 'api' });
    await Promise.all([slow.start(), publisher.start()]);
    await publisher.publish('job', { n: 1 });
    await waitFor('the slow handler to start', () => started);
    await slow.close();
    expect(finished).toEqual(['slow']);
    spare.on('job', () => void finished.push('spare'), { group });
    await spare.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(finished).toEqual(['slow']);
    expect(await queueInfo(topology.groupQueue(group))).toMatchObject({ messageCount: 0 });
  });

  it('close({ timeoutMs }) leaves an unfinished message unacked, so the broker redelivers it', async () => {
    topology = new TestTopology();
    const group = topology.group('redeliver');
    const stuck = topology.bus({ service: 'worker' });
    let started = false;
    stuck.on('job', () => {
      started = true;
      return new Promise((resolve) => setTimeout(resolve, 3000));
    }, { group });
    const publisher = topology.bus({ service: 'api' });
    await Promise.all([stuck.start(), publisher.start()]);
    await publisher.publish('job', { n: 1 });
    await waitFor('the stuck handler to start', () => started);
    await stuck.close({ timeoutMs: 100 });
    const redelivered: boolean[] = [];
    const rescuer = topology.bus({ service: 'worker' });
    rescuer.on('job', (_job, meta) => void redelivered.push(meta.redelivered), { group });
    await rescuer.start();
    await waitFor('the redelivery', () => redelivered.length === 1);
    expect(redelivered).toEqual([true]);
  });

  it('reports a lost connection through onStatus and health, reconnects and consumes again', async () => {
    topology = new TestTopology();
    const statuses: BusStatusChange[] = [];
    const failures: FailureReport[] = [];
    const listener = topology.bus({ service: 'resilient', onError: (failure) => void failures.push(failure) });
    listener.onStatus((change) => {
      if (change.kind === 'bus') statuses.push(change);
    });
    const heard: number[] = [];
    listener.on('tick', (n) => void heard.push(n as number));
    const publisher = topology.bus({ service: 'ticker' });
    await Promise.all([listener.start(), publisher.start()]);
    await publisher.publish('tick', 1);
    await waitFor('the first tick', () => heard.length === 1);

    expect(await closeConnectionsNamed(listener.instanceId)).toBe(1);
    await waitFor('the disconnect', () => statuses.some((change) => change.status === 'disconnected'));
    await waitFor('the reconnect', () => listener.health().status === 'connected');
    const disconnected = statuses.find((change) => change.status === 'disconnected');
    expect(disconnected?.cause?.message).toBeTruthy();
    expect(listener.stats().reconnects).toBe(1);
    expect(listener.health().lastError).toBeTruthy();

    await publisher.publish('tick', 2);
    await waitFor('the tick after reconnecting', () => heard.includes(2));
  });

  it('consumes again when the broker cancels its consumer because the group queue was deleted', async () => {
    topology = new TestTopology();
    const group = topology.group('deleted');
    const failures: FailureReport[] = [];
    const worker = topology.bus({ service: 'worker', onError: (failure) => void failures.push(failure) });
    const heard: number[] = [];
    worker.on('job', (n) => void heard.push(n as number), { group });
    const publisher = topology.bus({ service: 'api' });
    await Promise.all([worker.start(), publisher.start()]);
    await withRawChannel((channel) => channel.deleteQueue(topology.groupQueue(group)));
    await waitFor('the cancel report', () => failures.some((failure) => /cancelled the consumer/.test(failure.error.message)));
    await waitFor('the queue to be back', async () => (await queueInfo(topology.groupQueue(group)).catch(() => null))?.consumerCount === 1);
    await publisher.publish('job', 7);
    await waitFor('the job after the queue came back', () => heard.includes(7));
    expect(worker.health().status).toBe('connected');
  });
});
