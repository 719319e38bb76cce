import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { ChildInstance } from '../helpers/processes.js';

const BRIDGED = fileURLToPath(new URL('./fixtures/bridged-emitter.mjs', import.meta.url));
const EVENTS = ['user.created', 'cache.cleared'];

let topology: TestTopology;
const children: ChildInstance[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop()));
  await topology.cleanup();
});

function bridgedProcess(kind: string): ChildInstance {
  const child = new ChildInstance(
    { kind, service: 'emitter-test', exchange: topology.exchange, deadLetter: topology.deadLetter, events: EVENTS },
    BRIDGED,
  );
  children.push(child);
  return child;
}

const heardIds = (child: ChildInstance): string[] =>
  child.of('heard').map((message) => `${String(message.from === child.instanceId ? 'self' : message.from)}:${(message.payload as { id: string }).id}`);

describe.each(['node:events', 'eventemitter3', 'EventEmitter2'])('bridged %s emitters in two processes', (kind) => {
  it('hear each other once each, with no loop', async () => {
    topology = new TestTopology();
    const [a, b] = [bridgedProcess(kind), bridgedProcess(kind)];
    await Promise.all([a.ready(), b.ready()]);

    a.send({ type: 'emit', name: 'user.created', payloads: [{ id: 'a1' }, { id: 'a2' }] });
    b.send({ type: 'emit', name: 'user.created', payloads: [{ id: 'b1' }] });
    await waitFor('both emitters to hear all three events', () => a.of('heard').length >= 3 && b.of('heard').length >= 3);
    // Long enough for a looping or doubled event to show up.
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(heardIds(a).sort()).toEqual(['local:a1', 'local:a2', `${b.instanceId}:b1`].sort());
    expect(heardIds(b).sort()).toEqual([`${a.instanceId}:a1`, `${a.instanceId}:a2`, 'local:b1'].sort());
    a.send({ type: 'stats' });
    const { stats } = await a.next('stats');
    expect(stats).toMatchObject({ published: 2, confirmed: 2 });
  });
});

describe('unbridge() in a running process', () => {
  it('leaves the emitter with no remit listeners and stops both directions', async () => {
    topology = new TestTopology();
    const [a, b] = [bridgedProcess('node:events'), bridgedProcess('node:events')];
    await Promise.all([a.ready(), b.ready()]);

    a.send({ type: 'unbridge' });
    const { counts } = await a.next('unbridged');
    // Only the fixture's own reporting listener is left on each event.
    expect(counts).toEqual({ 'user.created': 1, 'cache.cleared': 1 });

    b.send({ type: 'emit', name: 'user.created', payloads: [{ id: 'b1' }] });
    a.send({ type: 'emit', name: 'user.created', payloads: [{ id: 'a1' }] });
    await waitFor('b to hear its own event', () => b.of('heard').length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(heardIds(a)).toEqual(['local:a1']);
    expect(heardIds(b)).toEqual(['local:b1']);
  });
});
