import { describe, expect, it } from 'vitest';
import { ConfigError, memoryBroker, type PresenceChange } from '../src/index.js';
import { memoryBuses, sleep, until } from './memory-buses.js';

type Events = { 'cache.flush': { keys: string[] } };

const bus = memoryBuses<Events>();

describe('presence on the memory transport', () => {
  it('lists every live instance, itself included, right after start', async () => {
    const broker = memoryBroker();
    const early = [bus(broker, { service: 'api', instanceId: 'api-1', version: '1.2.3' }), bus(broker, { service: 'worker', instanceId: 'worker-1' })];
    await Promise.all(early.map((instance) => instance.start()));
    const joiner = bus(broker, { service: 'api', instanceId: 'api-2' });
    const before = Date.now();
    await joiner.start();
    const instances = await joiner.instances();
    expect(instances.map((instance) => `${instance.service}:${instance.instance}`)).toEqual(['api:api-1', 'api:api-2', 'worker:worker-1']);
    const api1 = instances.find((instance) => instance.instance === 'api-1');
    expect(api1).toMatchObject({ version: '1.2.3', heartbeatIntervalMs: 5000 });
    expect(api1?.startedAt.getTime()).toBeLessThanOrEqual(before);
    expect(api1?.lastSeen).toBeInstanceOf(Date);
    expect(instances.find((instance) => instance.instance === 'worker-1')?.version).toBeNull();
  });

  it('tells listeners of joins and of leaves by goodbye, and the unsubscribe stops them', async () => {
    const broker = memoryBroker();
    const watcher = bus(broker, { service: 'watcher' });
    const changes: PresenceChange[] = [];
    const stop = watcher.onPresence((change) => void changes.push(change));
    await watcher.start();
    const visitor = bus(broker, { service: 'visitor', instanceId: 'v-1' });
    await visitor.start();
    await until(() => changes.length === 1, 'the join');
    expect(changes[0]).toMatchObject({ type: 'join', service: 'visitor', instance: 'v-1' });
    await visitor.close();
    await until(() => changes.length === 2, 'the leave');
    expect(changes[1]).toMatchObject({ type: 'leave', reason: 'goodbye', instance: 'v-1' });
    expect((await watcher.instances()).map((instance) => instance.instance)).toEqual([watcher.instanceId]);
    stop();
    await bus(broker, { service: 'visitor', instanceId: 'v-2' }).start();
    await sleep(50);
    expect(changes).toHaveLength(2);
    expect(() => watcher.onPresence('nope' as never)).toThrow(ConfigError);
  });

  it('keeps an instance listed while it heartbeats, and never hands presence to event handlers', async () => {
    const broker = memoryBroker();
    const a = bus(broker, { service: 'a', heartbeatIntervalMs: 50 });
    const b = bus(broker, { service: 'b', heartbeatIntervalMs: 50 });
    const heard: string[] = [];
    a.onAny((name) => void heard.push(name));
    await Promise.all([a.start(), b.start()]);
    const first = (await a.instances()).find((instance) => instance.service === 'b');
    // Well past 3 intervals: only heartbeats keep b listed.
    await sleep(400);
    const later = (await a.instances()).find((instance) => instance.service === 'b');
    expect(later).toBeDefined();
    expect(later?.lastSeen.getTime()).toBeGreaterThan(first?.lastSeen.getTime() ?? Infinity);
    expect(heard).toEqual([]);
    expect(a.stats().received).toBe(0);
  });
});

describe('delivery acks on the memory transport', () => {
  it('publish with ack: true reports every live instance that ran its handlers, itself included, and does not wait for one without a broadcast queue', async () => {
    const broker = memoryBroker();
    const instances = ['a', 'b', 'c'].map((id) => bus(broker, { service: 'cache', instanceId: id }));
    const flushed: string[] = [];
    for (const instance of instances) instance.on('cache.flush', () => void flushed.push(instance.instanceId));
    const quiet = bus(broker, { service: 'quiet', instanceId: 'q' });
    await Promise.all([...instances, quiet].map((instance) => instance.start()));
    const report = await instances[0]?.publish('cache.flush', { keys: ['k'] }, { ack: true });
    // `quiet` has no broadcast handler, so no broadcast queue: it never receives the event.
    expect(report?.acked.map((ref) => ref.instance).sort()).toEqual(['a', 'b', 'c']);
    expect(report?.missing).toEqual([]);
    expect(report?.failed).toEqual([]);
    expect(report?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(flushed.sort()).toEqual(['a', 'b', 'c']);
  });

  it('reports instances whose handlers failed, and leaves itself out with local: false', async () => {
    const broker = memoryBroker();
    const ok = bus(broker, { service: 'ok', instanceId: 'ok' });
    ok.on('cache.flush', () => {});
    const broken = bus(broker, { service: 'broken', instanceId: 'broken', retry: { attempts: 1 } });
    broken.on('cache.flush', () => {
      throw new Error('disk full');
    });
    const publisher = bus(broker, { service: 'pub', instanceId: 'pub' });
    await Promise.all([ok, broken, publisher].map((instance) => instance.start()));
    const report = await publisher.publish('cache.flush', { keys: [] }, { ack: true, local: false });
    expect(report).toMatchObject({ acked: [{ service: 'ok', instance: 'ok' }], failed: [{ service: 'broken', instance: 'broken' }], missing: [] });
  });

  it('awaits only the addressees of an event sent with to', async () => {
    const broker = memoryBroker();
    const targets = [bus(broker, { service: 'cache', instanceId: 'c1' }), bus(broker, { service: 'cache', instanceId: 'c2' })];
    const other = bus(broker, { service: 'other', instanceId: 'o1' });
    for (const instance of [...targets, other]) instance.onAny(() => {});
    const publisher = bus(broker, { service: 'pub', instanceId: 'pub' });
    await Promise.all([...targets, other, publisher].map((instance) => instance.start()));
    const report = await publisher.publish('cache.flush', { keys: [] }, { ack: true, to: 'cache' });
    expect(report.acked.map((ref) => ref.instance).sort()).toEqual(['c1', 'c2']);
    expect(report.missing).toEqual([]);
    const one = await publisher.publish('cache.flush', { keys: [] }, { ack: true, to: 'cache:c2' });
    expect(one.acked).toEqual([{ service: 'cache', instance: 'c2' }]);
  });

  it('reports a live instance that does not answer in time as missing', async () => {
    const broker = memoryBroker();
    const slow = bus(broker, { service: 'slow', instanceId: 'slow' });
    slow.on('cache.flush', () => new Promise((resolve) => setTimeout(resolve, 300)));
    const publisher = bus(broker, { service: 'pub', instanceId: 'pub' });
    await Promise.all([slow.start(), publisher.start()]);
    const report = await publisher.publish('cache.flush', { keys: [] }, { ack: true, timeoutMs: 50 });
    expect(report).toMatchObject({ acked: [{ instance: 'pub' }], missing: [{ service: 'slow', instance: 'slow' }] });
  });

  it('an instance whose first broadcast handler comes after start() is awaited from then on', async () => {
    const broker = memoryBroker();
    const late = bus(broker, { service: 'late', instanceId: 'late' });
    const publisher = bus(broker, { service: 'pub', instanceId: 'pub' });
    await Promise.all([late.start(), publisher.start()]);
    expect((await publisher.instances()).map((info) => [info.instance, info.listening])).toEqual([
      ['late', false],
      ['pub', false],
    ]);
    const before = await publisher.publish('cache.flush', { keys: [] }, { ack: true, local: false });
    expect(before.acked).toEqual([]);

    const heard: string[][] = [];
    late.on('cache.flush', (payload) => void heard.push(payload.keys));
    await until(async () => (await publisher.instances()).some((info) => info.instance === 'late' && info.listening), 'late to listen');
    const after = await publisher.publish('cache.flush', { keys: ['k'] }, { ack: true, local: false });

    expect(after.acked).toEqual([{ service: 'late', instance: 'late' }]);
    expect(heard).toEqual([['k']]);
  });

  it('refuses timeoutMs without ack: true', async () => {
    const publisher = bus(memoryBroker());
    await publisher.start();
    await expect(publisher.publish('cache.flush', { keys: [] }, { timeoutMs: 5 } as never)).rejects.toThrow(ConfigError);
  });
});
