import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqp, BufferFullError, createBus, type FailureReport, type StatusChange } from '@remit/core';
import { waitFor } from '../helpers/broker.js';
import { RabbitNode } from '../helpers/rabbit-node.js';

let node: RabbitNode;
beforeAll(async () => {
  node = await RabbitNode.start('admin');
}, 90_000);
afterAll(async () => node?.destroy(), 60_000);

describe('the broker stops taking publishes', () => {
  it('holds at most outbox.maxMessages while the broker is down, rejects the rest, and sends the held ones on return', async () => {
    const bus = createBus({ service: 'bounded', transport: amqp({ url: node.url(), outbox: { maxMessages: 100 } }), logger: false });
    await bus.start();
    await node.stop();
    await waitFor('the disconnect', () => bus.health().status === 'disconnected');
    const results: Promise<void>[] = [];
    let bufferFull = 0;
    let largest = 0;
    for (let n = 0; n < 250; n++) {
      results.push(
        bus.publish('held', { n }).catch((error: unknown) => {
          if (error instanceof BufferFullError) bufferFull++;
          else throw error;
        }),
      );
      largest = Math.max(largest, bus.health().outbox);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(largest).toBe(100);
    expect(bufferFull).toBe(150);
    await node.start();
    await Promise.all(results);
    console.log(`[fault] broker down: outbox peaked at ${largest}/100, ${bufferFull} rejected with BufferFullError, 100 confirmed after restart`);
    expect(bus.stats().confirmed).toBe(100);
    expect(bus.health().outbox).toBe(0);
    await bus.close();
  }, 90_000);

  it('waits while a memory alarm blocks publishers, reports it, and confirms everything once unblocked', async () => {
    const failures: FailureReport[] = [];
    const bus = createBus({ service: 'alarmed', transport: amqp({ url: node.url() }), onError: (f) => void failures.push(f) });
    const heard: number[] = [];
    bus.on('under.alarm', (event) => void heard.push((event as { n: number }).n), { group: 'alarmed-group' });
    await bus.start();
    await node.ctl('set_vm_memory_high_watermark', '0.000001');
    try {
      // RabbitMQ blocks a connection when it next publishes under the alarm.
      let confirmed = 0;
      const results = Array.from({ length: 50 }, (_, n) => bus.publish('under.alarm', { n }).then(() => void confirmed++));
      await waitFor('the blocked report', () => failures.some((failure) => /blocked/.test(failure.error.message)), 15_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(confirmed).toBe(0);
      expect(bus.health().outbox).toBe(50);
      await node.ctl('set_vm_memory_high_watermark', '0.4');
      await Promise.all(results);
      await waitFor('all 50 handled', () => heard.length === 50);
    } finally {
      await node.ctl('set_vm_memory_high_watermark', '0.4');
      await bus.close();
    }
  }, 60_000);

  it('reports a deleted vhost, keeps retrying without crashing, and close() returns promptly', async () => {
    await node.ctl('add_vhost', 'doomed');
    await node.ctl('set_permissions', '-p', 'doomed', 'guest', '.*', '.*', '.*');
    const statuses: StatusChange[] = [];
    const failures: FailureReport[] = [];
    const bus = createBus({ service: 'homeless', transport: amqp({ url: `${node.url()}/doomed` }), onError: (f) => void failures.push(f) });
    bus.onStatus((change) => void statuses.push(change));
    await bus.start();
    await node.ctl('delete_vhost', 'doomed');
    await waitFor('the disconnect', () => statuses.some((change) => change.status === 'disconnected'));
    await waitFor('a failed reconnect attempt naming the vhost problem', () =>
      failures.some((failure) => /does the vhost exist/.test(failure.error.message)),
    );
    expect(failures.every((failure) => !failure.error.message.includes('guest:guest'))).toBe(true);
    expect(bus.health().status).toBe('disconnected');
    const closing = Date.now();
    await bus.close({ timeoutMs: 2000 });
    console.log(`[fault] deleted vhost: close() returned after ${Date.now() - closing} ms`);
    expect(bus.health().status).toBe('closed');
  }, 60_000);
});
