import { afterEach, describe, expect, it } from 'vitest';
import { deleteTopology, unique, waitFor } from '../helpers/broker.js';
import { ChildInstance } from '../helpers/processes.js';
import { groupQueue } from '../helpers/buses.js';

const children: ChildInstance[] = [];
const cleanup: { exchanges: string[]; queues: string[] } = { exchanges: [], queues: [] };
afterEach(async () => {
  const codes = await Promise.all(children.splice(0).map((child) => child.stop()));
  await deleteTopology(cleanup);
  expect(codes.every((code) => code === 0)).toBe(true);
});

function names() {
  const exchange = unique('test.events');
  const deadLetter = unique('test.dead');
  cleanup.exchanges.push(exchange, deadLetter);
  cleanup.queues.push(deadLetter);
  return { exchange, deadLetter };
}

describe('instances in separate processes', () => {
  it('broadcast reaches every one of 3 child processes exactly once', async () => {
    const topology = names();
    const instances = ['a', 'b', 'c'].map(
      (service) => new ChildInstance({ service, events: ['price.changed'], ...topology }),
    );
    children.push(...instances);
    await Promise.all(instances.map((child) => child.ready()));
    const [a] = instances;
    if (!a) throw new Error('no instance');
    const payloads = Array.from({ length: 25 }, (_, n) => ({ n, at: new Date(1_000 * n).toISOString() }));
    a.send({ type: 'publish', name: 'price.changed', payloads });
    await a.next('published');
    // The publisher hears its own events locally; the others over RabbitMQ.
    await waitFor('25 events in every process', () => instances.every((child) => child.of('heard').length >= 25));
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const child of instances) {
      const heard = child.of('heard');
      expect(heard).toHaveLength(25);
      expect(heard.map((message) => (message.payload as { n: number }).n)).toEqual(payloads.map((p) => p.n));
      expect(new Set(heard.map((message) => message.id)).size).toBe(25);
      expect(heard.every((message) => message.from === a.instanceId)).toBe(true);
    }
  });

  it('a group handler runs once per event across 3 child processes', async () => {
    const topology = names();
    const group = unique('test.workers');
    cleanup.queues.push(groupQueue(group, topology.exchange));
    const workers = [1, 2, 3].map(
      () => new ChildInstance({ service: 'worker', group: { name: group, event: 'job.queued' }, ...topology }),
    );
    const publisher = new ChildInstance({ service: 'api', ...topology });
    children.push(...workers, publisher);
    await Promise.all([...workers, publisher].map((child) => child.ready()));
    const payloads = Array.from({ length: 30 }, (_, n) => ({ n }));
    publisher.send({ type: 'publish', name: 'job.queued', payloads });
    await waitFor('30 jobs handled', () => workers.reduce((sum, w) => sum + w.of('group').length, 0) >= 30);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const handled = workers.flatMap((worker) => worker.of('group').map((message) => (message.payload as { n: number }).n));
    expect(handled.sort((x, y) => x - y)).toEqual(payloads.map((p) => p.n));
  });
});
