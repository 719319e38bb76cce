import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, type FailureReport } from '@remit/core';
import { queueInfo, rawChannel, unique, waitFor } from '../helpers/broker.js';
import { FullTopology } from '../fixtures/full-topology.js';
import { queueTypes } from '../helpers/rabbitmqctl.js';

let topology: FullTopology;
afterEach(async () => topology?.cleanup());

type Events = { 'job.run': { n: number } };
type Requests = { 'job.status': { request: { n: number }; response: { n: number } } };

describe('shared durable queues (docs/scaling.md)', () => {
  it('are declared as quorum queues: dead letters, requests, a stable instance\'s broadcast queue, groups', async () => {
    topology = new FullTopology();
    const service = unique('quorum');
    const group = unique('quorum');
    const instanceId = unique('stable');
    const bus = topology.bus<Events, Requests>({ service, instanceId });
    bus.on('job.run', () => {});
    bus.on('job.run', () => {}, { group });
    bus.handle('job.status', (request) => request);
    topology.track(`remit.instance.${service}.${instanceId}`);
    topology.track(`remit.requests.${service}`);
    topology.track(`remit.group.${group}@${topology.names.exchange}`);
    await bus.start();
    const names = [
      topology.names.deadLetter,
      `remit.requests.${service}`,
      `remit.instance.${service}.${instanceId}`,
      `remit.group.${group}@${topology.names.exchange}`,
    ];
    const types = await queueTypes(names);
    for (const name of names) expect(types.get(name), name).toBe('quorum');
  });

  it('an existing classic queue of an older deployment is used as it is, with one warning naming the migration', async () => {
    topology = new FullTopology();
    const service = unique('legacy');
    const requestQueue = topology.track(`remit.requests.${service}`);
    // As remit declared them before: classic, without the arguments remit adds now.
    const raw = await rawChannel();
    await raw.channel.assertQueue(topology.names.deadLetter, { durable: true });
    await raw.channel.assertQueue(requestQueue, { durable: true, arguments: { 'x-expires': 60_000 } });
    await raw.close();

    const reports: FailureReport[] = [];
    const bus = topology.bus<Events, Requests>({ service, onError: (report) => void reports.push(report), retry: { attempts: 1 } });
    bus.handle('job.status', (request) => request);
    bus.on('job.run', () => {
      throw new Error('always fails');
    });
    await bus.start();
    // It works as it is: a request is answered, a dead letter lands in the classic queue.
    await expect(bus.request('job.status', { n: 7 })).resolves.toEqual({ n: 7 });
    await bus.publish('job.run', { n: 1 });
    await waitFor('the dead letter', async () => (await queueInfo(topology.names.deadLetter)).messageCount === 1);

    const warnings = reports.filter((report) => report.error.message.includes('Migrate it to a quorum queue'));
    expect(warnings.map((report) => /Queue "([^"]+)"/.exec(report.error.message)?.[1]).sort()).toEqual([topology.names.deadLetter, requestQueue].sort());
    expect(warnings.every((report) => report.kind === 'transport')).toBe(true);
    expect((await queueTypes([requestQueue])).get(requestQueue)).toBe('classic');
  });

  it('a declare the broker refuses closes no channel that consumers live on: the others keep consuming, without a reconnect', async () => {
    topology = new FullTopology();
    const steady = unique('steady');
    const broken = unique('broken');
    const brokenQueue = topology.track(`remit.group.${broken}@${topology.names.exchange}`);
    topology.track(`remit.group.${steady}@${topology.names.exchange}`);
    // A group queue that exists as a classic queue: remit refuses to use it (groups were always quorum).
    const raw = await rawChannel();
    await raw.channel.assertQueue(brokenQueue, { durable: true });
    await raw.close();

    const reports: FailureReport[] = [];
    const consumer = topology.bus<Events>({ service: 'worker', onError: (report) => void reports.push(report) });
    const handled: number[] = [];
    consumer.on('job.run', (payload) => void handled.push(payload.n), { group: steady });
    const publisher = topology.bus<Events>({ service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    await publisher.publish('job.run', { n: 1 });
    await waitFor('the first event', () => handled.length === 1);

    // Added while consuming: its declare fails (PRECONDITION_FAILED) on the topology channel.
    consumer.on('job.run', () => {}, { group: broken });
    // Reported as a ConfigError naming the queue, with the broker's refusal as its cause.
    await waitFor('the refused declare to be reported', () =>
      reports.some((report) => report.error instanceof ConfigError && report.error.message.includes(brokenQueue) && String(report.error.cause).includes('PRECONDITION_FAILED')),
    );
    for (let n = 2; n <= 5; n++) await publisher.publish('job.run', { n });
    await waitFor('the steady group to keep handling', () => handled.length === 5);
    expect(consumer.stats().reconnects).toBe(0);
    expect(consumer.health().status).toBe('connected');
  });
});
