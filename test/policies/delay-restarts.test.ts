import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqp, type Bus, createBus, type EventMeta } from '@remit/core';
import { unique, waitFor } from '../helpers/broker.js';
import { RabbitNode } from '../helpers/rabbit-node.js';

type Events = { 'invoice.due': { n: number } };

let node: RabbitNode;
beforeAll(async () => {
  node = await RabbitNode.start('delays');
}, 90_000);
afterAll(async () => node?.destroy(), 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a delayed retry waits on the broker', () => {
  it('survives a broker restart and the instance that scheduled it: another instance of the group handles it', async () => {
    const group = unique('billing');
    const bus = (instanceId: string, handler: (payload: Events['invoice.due'], meta: EventMeta) => unknown): Bus<Events> => {
      const created = createBus<Events>({ service: 'billing', instanceId, transport: amqp({ url: node.url() }), logger: false });
      created.on('invoice.due', handler, { group, retry: { attempts: 1, delays: ['4s'] } });
      return created;
    };
    const failing = bus('billing-1', () => {
      throw new Error('payments down');
    });
    const publisher = createBus<Events>({ service: 'api', transport: amqp({ url: node.url() }), logger: false });
    await Promise.all([failing.start(), publisher.start()]);
    await publisher.publish('invoice.due', { n: 42 });
    await waitFor('the first try to fail into the delay queue', () => failing.stats().delayed === 1);
    // The instance that scheduled the retry goes away, then the broker restarts under the waiting message.
    await failing.close();
    await publisher.close();
    const restarted = performance.now();
    await node.restart();
    const restartMs = performance.now() - restarted;
    const handled: Array<{ n: number; attempt: number }> = [];
    const takeover = bus('billing-2', ({ n }, meta) => void handled.push({ n, attempt: meta.attempt }));
    try {
      await takeover.start();
      await waitFor('the retry on the other instance', () => handled.length === 1, 20_000);
      await sleep(300);
      console.log(`[policies] delay queue across a broker restart (${Math.round(restartMs)} ms) and a new instance: handled ${handled.length}, attempt ${handled[0]?.attempt}`);
      expect(handled).toEqual([{ n: 42, attempt: 2 }]);
      expect(takeover.stats().deadLettered).toBe(0);
    } finally {
      await takeover.close();
    }
  }, 90_000);
});
