import type { PresenceChange } from '@remit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FullTopology } from '../fixtures/full-topology.js';
import { waitFor } from '../helpers/broker.js';

type Events = { 'cache.flush': { keys: string[] } };

let topology: FullTopology;
afterEach(async () => topology.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const names = (list: { service: string; instance: string }[]) => list.map((entry) => `${entry.service}:${entry.instance}`).sort();

describe('presence over RabbitMQ', () => {
  it('a joining instance lists every live instance in other processes, itself included, as soon as instances() answers', async () => {
    topology = new FullTopology();
    const children = [
      topology.child({ service: 'api', version: '2.0.0' }),
      topology.child({ service: 'api' }),
      topology.child({ service: 'worker' }),
    ];
    await Promise.all(children.map((child) => child.ready()));
    const joiner = topology.bus<Events>({ service: 'admin', version: '1.0.0' });
    await joiner.start();
    const instances = await joiner.instances();
    expect(names(instances)).toEqual(
      names([
        ...children.map((child, n) => ({ service: n === 2 ? 'worker' : 'api', instance: child.instanceId })),
        { service: 'admin', instance: joiner.instanceId },
      ]),
    );
    expect(instances.find((entry) => entry.instance === children[0]?.instanceId)?.version).toBe('2.0.0');
    expect(instances.find((entry) => entry.instance === joiner.instanceId)?.version).toBe('1.0.0');
    // The others heard the joiner too.
    children[2]?.send({ type: 'instances' });
    const seen = await children[2]?.next('instances');
    expect(names(seen?.instances as { service: string; instance: string }[])).toContain(`admin:${joiner.instanceId}`);
  });

  it('hears a join, keeps the instance while it heartbeats, and hears its goodbye when it closes', async () => {
    topology = new FullTopology();
    const watcher = topology.bus<Events>({ service: 'watcher', heartbeatIntervalMs: 300 });
    const changes: PresenceChange[] = [];
    watcher.onPresence((change) => void changes.push(change));
    await watcher.start();
    const visitor = topology.child({ service: 'visitor', heartbeatIntervalMs: 300 });
    await visitor.ready();
    await waitFor('the join', () => changes.length === 1);
    expect(changes[0]).toMatchObject({ type: 'join', service: 'visitor', instance: visitor.instanceId, heartbeatIntervalMs: 300 });
    const first = (await watcher.instances()).find((entry) => entry.instance === visitor.instanceId);
    // Many intervals, far past the 3 it may miss: only its heartbeats keep it listed.
    await sleep(1500);
    const later = (await watcher.instances()).find((entry) => entry.instance === visitor.instanceId);
    expect(later?.lastSeen.getTime()).toBeGreaterThan(first?.lastSeen.getTime() ?? Infinity);
    expect(changes).toHaveLength(1);
    expect(await visitor.stop()).toBe(0);
    await waitFor('the goodbye', () => changes.length === 2);
    expect(changes[1]).toMatchObject({ type: 'leave', reason: 'goodbye', instance: visitor.instanceId });
    expect(names(await watcher.instances())).toEqual([`watcher:${watcher.instanceId}`]);
  });

  it('drops a SIGKILLed instance after it missed 3 heartbeats', async () => {
    topology = new FullTopology();
    const watcher = topology.bus<Events>({ service: 'watcher', heartbeatIntervalMs: 200 });
    const changes: (PresenceChange & { at: number })[] = [];
    watcher.onPresence((change) => void changes.push({ ...change, at: Date.now() }));
    await watcher.start();
    const victim = topology.child({ service: 'victim', heartbeatIntervalMs: 200 });
    await victim.ready();
    await waitFor('the join', () => changes.some((change) => change.type === 'join'));
    await victim.signal('SIGKILL');
    await waitFor('the leave', () => changes.some((change) => change.type === 'leave'));
    const leave = changes.find((change) => change.type === 'leave');
    expect(leave).toMatchObject({ reason: 'timeout', service: 'victim', instance: victim.instanceId });
    // lastSeen is its last heartbeat: it was dropped only once 3 intervals had passed since.
    expect((leave?.at ?? 0) - (leave?.lastSeen.getTime() ?? Infinity)).toBeGreaterThan(3 * 200);
    expect((await watcher.instances()).map((entry) => entry.instance)).toEqual([watcher.instanceId]);
  });

  it('publish with ack: true reports which instances ran their handlers, and a killed one as missing', async () => {
    topology = new FullTopology();
    const [a, b] = [1, 2].map(() => topology.child({ service: 'cache', ackEvents: ['cache.flush'], heartbeatIntervalMs: 200 }));
    if (!a || !b) throw new Error('no children');
    await Promise.all([a.ready(), b.ready()]);
    const publisher = topology.bus<Events>({ service: 'admin', heartbeatIntervalMs: 200 });
    let flushed = 0;
    publisher.on('cache.flush', () => void flushed++);
    await publisher.start();
    const all = await publisher.publish('cache.flush', { keys: ['k1'] }, { ack: true });
    expect(names(all.acked)).toEqual(names([
      { service: 'cache', instance: a.instanceId },
      { service: 'cache', instance: b.instanceId },
      { service: 'admin', instance: publisher.instanceId },
    ]));
    expect(all.missing).toEqual([]);
    expect(flushed).toBe(1);
    await b.signal('SIGKILL');
    const after = await publisher.publish('cache.flush', { keys: ['k2'] }, { ack: true, timeoutMs: 3000, local: false });
    expect(after.acked).toEqual([{ service: 'cache', instance: a.instanceId }]);
    expect(after.missing).toEqual([{ service: 'cache', instance: b.instanceId }]);
  });

  it('reports two live instances that share an instanceId, on both, as duplicate-instance', async () => {
    topology = new FullTopology();
    topology.track('remit.instance.twins.twin-1');
    const failures: { who: string; kind: string; message: string }[] = [];
    const twin = (who: string) => {
      const bus = topology.bus<Events>({
        service: 'twins',
        instanceId: 'twin-1',
        heartbeatIntervalMs: 200,
        onError: (failure) => void failures.push({ who, kind: failure.kind, message: failure.error.message }),
      });
      bus.on('cache.flush', () => {});
      return bus;
    };
    const first = twin('first');
    const second = twin('second');
    await first.start();
    await second.start();
    await waitFor('both to report the other', () => new Set(failures.filter((f) => f.kind === 'duplicate-instance').map((f) => f.who)).size === 2);
    const reports = failures.filter((failure) => failure.kind === 'duplicate-instance');
    expect(reports[0]?.message).toContain('uses this instance\'s id "twin-1"');
    // Once per other run, not once per heartbeat.
    await sleep(600);
    expect(failures.filter((failure) => failure.kind === 'duplicate-instance')).toHaveLength(2);
  });
});
