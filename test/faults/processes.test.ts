import { afterEach, describe, expect, it } from 'vitest';
import { deleteTopology, queueInfo, unique, waitFor } from '../helpers/broker.js';
import { ChildInstance } from '../helpers/processes.js';
import { groupQueue } from '../helpers/buses.js';

const children: ChildInstance[] = [];
const cleanup: { exchanges: string[]; queues: string[] } = { exchanges: [], queues: [] };
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop()));
  await deleteTopology(cleanup);
});

function names() {
  const exchange = unique('test.events');
  const deadLetter = unique('test.dead');
  const group = unique('test.workers');
  cleanup.exchanges.push(exchange, deadLetter);
  cleanup.queues.push(deadLetter, groupQueue(group, exchange));
  return { exchange, deadLetter, group };
}

describe('process faults, counted', () => {
  it('a group event whose consumer process is SIGKILLed mid-handler is redelivered to another instance', async () => {
    const { exchange, deadLetter, group } = names();
    const worker = (delayMs: number) =>
      new ChildInstance({ service: 'worker', exchange, deadLetter, group: { name: group, event: 'job', delayMs } });
    const doomed = worker(30_000);
    const publisher = new ChildInstance({ service: 'api', exchange, deadLetter });
    children.push(doomed, publisher);
    await Promise.all([doomed.ready(), publisher.ready()]);
    publisher.send({ type: 'publish', name: 'job', payloads: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    await waitFor('the doomed worker to start all three', () => doomed.of('started').length === 3);
    expect(await doomed.signal('SIGKILL')).toBeNull();

    const rescuer = worker(0);
    children.push(rescuer);
    await rescuer.ready();
    await waitFor('the rescuer to handle all three', () => rescuer.of('group').length === 3);
    const handled = rescuer.of('group');
    console.log(`[fault] SIGKILL mid-handler: started 3 in the killed process, redelivered and handled ${handled.length}, lost ${3 - handled.length}`);
    expect(handled.map((message) => (message.payload as { n: number }).n).sort()).toEqual([1, 2, 3]);
    expect(handled.every((message) => message.redelivered === true)).toBe(true);
    expect(doomed.of('group')).toHaveLength(0);
  });

  it('SIGTERM drains a process in the middle of its handlers: all finish, are acked, and it exits 0', async () => {
    const { exchange, deadLetter, group } = names();
    const worker = new ChildInstance({ service: 'worker', exchange, deadLetter, group: { name: group, event: 'job', delayMs: 500 } });
    const publisher = new ChildInstance({ service: 'api', exchange, deadLetter });
    children.push(worker, publisher);
    await Promise.all([worker.ready(), publisher.ready()]);
    const payloads = Array.from({ length: 5 }, (_, n) => ({ n }));
    publisher.send({ type: 'publish', name: 'job', payloads });
    await waitFor('all five handlers to be running', () => worker.of('started').length === 5);
    expect(worker.of('group')).toHaveLength(0);
    expect(await worker.signal('SIGTERM')).toBe(0);
    console.log(`[fault] SIGTERM drain: 5 running, ${worker.of('group').length} finished before exit`);
    expect(worker.of('group')).toHaveLength(5);
    expect(worker.of('drained')).toHaveLength(1);
    expect((await queueInfo(groupQueue(group, exchange))).messageCount).toBe(0);
  });
});
