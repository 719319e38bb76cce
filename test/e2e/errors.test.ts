import { afterEach, describe, expect, it } from 'vitest';
import { amqp, ClosedError, ConnectionError, createBus, PayloadTooLargeError, type StatusChange } from '@remit/core';
import { AMQP_URL, waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

let topology: TestTopology | undefined;
afterEach(async () => topology?.cleanup());

describe('errors a caller can branch on', () => {
  it('rejects publish() with ClosedError once close() has drained, but lets a draining handler publish', async () => {
    topology = new TestTopology();
    const group = topology.group('closer');
    const bus = topology.bus({ service: 'closer' });
    const other = topology.bus({ service: 'other' });
    let started = false;
    const followUps: unknown[] = [];
    bus.on('job', async () => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 200));
      // close() has begun by now; this publish belongs to work already running.
      await bus.publish('job.done', 1);
    }, { group });
    other.on('job.done', (value) => void followUps.push(value));
    await Promise.all([bus.start(), other.start()]);
    await other.publish('job', 1);
    await waitFor('the job to start', () => started);
    await bus.close();
    await waitFor('the follow-up event', () => followUps.length === 1);
    expect(bus.stats()).toMatchObject({ handled: 1, failed: 0, deadLettered: 0 });
    const error = await bus.publish('later', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClosedError);
    expect(error).toMatchObject({ name: 'ClosedError', code: 'ERR_CLOSED' });
  });

  it('rejects a payload over maxPayloadBytes with PayloadTooLargeError before sending', async () => {
    topology = new TestTopology();
    const bus = topology.bus({ service: 'big', maxPayloadBytes: 1024 });
    await bus.start();
    const error = await bus.publish('blob', { data: 'x'.repeat(2000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).message).toMatch(/maxPayloadBytes/);
    expect(bus.stats().published).toBe(0);
  });

  it('fails start() with ConnectionError, without the password, when the broker refuses the login', async () => {
    const url = new URL(AMQP_URL);
    url.username = 'nobody';
    url.password = 'Sup3r-Secret-pw';
    const statuses: StatusChange[] = [];
    const bus = createBus({
      service: 'intruder',
      transport: amqp({ url: url.toString(), connectTimeoutMs: 1500, reconnect: { initialDelayMs: 100, maxDelayMs: 200 } }),
    });
    bus.onStatus((change) => void statuses.push(change));
    const error = await bus.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const text = `${String((error as Error).message)} ${String(((error as Error).cause as Error | undefined)?.message)}`;
    expect(text).not.toContain('Sup3r-Secret-pw');
    expect(text).toContain('***');
    expect(JSON.stringify(statuses)).not.toContain('Sup3r-Secret-pw');
    expect(bus.health().status).toBe('closed');
    expect(bus.health().lastError ?? '').not.toContain('Sup3r-Secret-pw');
  });

  it('fails start() with ConnectionError when nothing listens at the URL', async () => {
    const bus = createBus({
      service: 'lonely',
      transport: amqp({ url: 'amqp://guest:guest@127.0.0.1:1', connectTimeoutMs: 800 }),
    });
    await expect(bus.start()).rejects.toMatchObject({ name: 'ConnectionError', code: 'ERR_CONNECTION' });
  });
});
