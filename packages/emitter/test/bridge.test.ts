import { EventEmitter as NodeEmitter } from 'node:events';
import { ConfigError, type EventMeta, memoryBroker } from '@remit/core';
import { EventEmitter2 } from 'eventemitter2';
import { EventEmitter as EventEmitter3 } from 'eventemitter3';
import { describe, expect, it } from 'vitest';
import { bridge, type EmitterLike } from '../src/index.js';
import { startedBuses, until } from './started-buses.js';

type Events = { 'user.created': { id: string; at: Date }; 'cache.cleared': { keys: string[] }; 'local.only': number };

const startedBus = startedBuses<Events>('svc');

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

const kinds: Array<[string, () => EmitterLike & { listenerCount(event: string): number }]> = [
  ['node:events', () => new NodeEmitter()],
  ['eventemitter3', () => new EventEmitter3()],
  ['EventEmitter2', () => new EventEmitter2()],
];

describe.each(kinds)('bridge on %s', (_kind, make) => {
  it('carries a local emit to the other instance, with payload types intact and meta', async () => {
    const broker = memoryBroker();
    const [busA, busB] = [await startedBus(broker, 'a'), await startedBus(broker, 'b')];
    const [emitterA, emitterB] = [make(), make()];
    bridge(emitterA, busA, { events: ['user.created'] });
    bridge(emitterB, busB, { events: ['user.created'] });
    const heardB: Array<[unknown, EventMeta | undefined]> = [];
    emitterB.on('user.created', (...[payload, meta]: unknown[]) => heardB.push([payload, meta as EventMeta | undefined]));

    const at = new Date('2026-01-02T03:04:05Z');
    emitterA.emit('user.created', { id: 'u1', at });

    const [[payload, meta]] = (await until(heardB, 1)) as [[{ id: string; at: Date }, EventMeta]];
    expect(payload).toEqual({ id: 'u1', at });
    expect(payload.at).toBeInstanceOf(Date);
    expect(meta).toMatchObject({ name: 'user.created', instance: 'a', service: 'svc' });
  });

  it('delivers each event once on every emitter and never loops', async () => {
    const broker = memoryBroker();
    const [busA, busB] = [await startedBus(broker, 'a'), await startedBus(broker, 'b')];
    const [emitterA, emitterB] = [make(), make()];
    bridge(emitterA, busA, { events: ['user.created'] });
    bridge(emitterB, busB, { events: ['user.created'] });
    const heardA: unknown[] = [];
    const heardB: unknown[] = [];
    emitterA.on('user.created', (payload: unknown) => heardA.push(payload));
    emitterB.on('user.created', (payload: unknown) => heardB.push(payload));

    emitterA.emit('user.created', { id: 'from-a', at: new Date() });
    emitterB.emit('user.created', { id: 'from-b', at: new Date() });
    await until(heardA, 2);
    await until(heardB, 2);
    await settle();

    expect(heardA.map((p) => (p as { id: string }).id).sort()).toEqual(['from-a', 'from-b']);
    expect(heardB.map((p) => (p as { id: string }).id).sort()).toEqual(['from-a', 'from-b']);
    // Two emits, two publishes: a re-emitted remote event is not published again.
    expect(busA.stats().published + busB.stats().published).toBe(2);
  });

  it('leaves events that are not listed local', async () => {
    const broker = memoryBroker();
    const [busA, busB] = [await startedBus(broker, 'a'), await startedBus(broker, 'b')];
    const [emitterA, emitterB] = [make(), make()];
    bridge(emitterA, busA, { events: ['user.created'] });
    bridge(emitterB, busB, { events: ['user.created', 'local.only'] });
    const heardB: unknown[] = [];
    emitterB.on('local.only', (payload: unknown) => heardB.push(payload));

    emitterA.emit('local.only', 1);
    await settle();

    expect(busA.stats().published).toBe(0);
    expect(heardB).toEqual([]);
  });

  it('unbridge() removes every listener it added and stops both directions', async () => {
    const broker = memoryBroker();
    const [busA, busB] = [await startedBus(broker, 'a'), await startedBus(broker, 'b')];
    const [emitterA, emitterB] = [make(), make()];
    const before = emitterA.listenerCount('user.created');
    const unbridgeA = bridge(emitterA, busA, { events: ['user.created', 'cache.cleared'] });
    bridge(emitterB, busB, { events: ['user.created'] });
    expect(emitterA.listenerCount('user.created')).toBe(before + 1);

    unbridgeA();
    unbridgeA();
    expect(emitterA.listenerCount('user.created')).toBe(before);
    expect(emitterA.listenerCount('cache.cleared')).toBe(0);

    const heardA: unknown[] = [];
    emitterA.on('user.created', (payload: unknown) => heardA.push(payload));
    emitterA.emit('user.created', { id: 'x', at: new Date() });
    emitterB.emit('user.created', { id: 'y', at: new Date() });
    await settle();
    expect(busA.stats().published).toBe(0);
    expect(heardA.map((p) => (p as { id: string }).id)).toEqual(['x']);
  });
});

describe('bridge', () => {
  it("runs this instance's bus handlers once for a local emit", async () => {
    const broker = memoryBroker();
    const bus = await startedBus(broker, 'a');
    const emitter = new NodeEmitter();
    bridge(emitter, bus, { events: ['user.created'] });
    const viaBus: string[] = [];
    const viaEmitter: string[] = [];
    bus.on('user.created', (user) => {
      viaBus.push(user.id);
    });
    emitter.on('user.created', (user: { id: string }) => viaEmitter.push(user.id));

    emitter.emit('user.created', { id: 'u1', at: new Date() });
    await until(viaBus, 1);
    await settle();

    expect(viaBus).toEqual(['u1']);
    expect(viaEmitter).toEqual(['u1']);
  });

  it('lets a listener of a remote event emit another listed event, which is published', async () => {
    const broker = memoryBroker();
    const [busA, busB] = [await startedBus(broker, 'a'), await startedBus(broker, 'b')];
    const [emitterA, emitterB] = [new NodeEmitter(), new NodeEmitter()];
    bridge(emitterA, busA, { events: ['user.created', 'cache.cleared'] });
    bridge(emitterB, busB, { events: ['user.created', 'cache.cleared'] });
    emitterB.on('user.created', (user: { id: string }) => emitterB.emit('cache.cleared', { keys: [user.id] }));
    const cleared: unknown[] = [];
    emitterA.on('cache.cleared', (payload: unknown) => cleared.push(payload));

    emitterA.emit('user.created', { id: 'u7', at: new Date() });

    expect(await until(cleared, 1)).toEqual([{ keys: ['u7'] }]);
  });

  it('reports a publish that fails to onError, naming the event', async () => {
    const broker = memoryBroker();
    const bus = await startedBus(broker, 'a');
    const emitter = new NodeEmitter();
    const failures: Array<[string, string]> = [];
    bridge(emitter, bus, { events: ['user.created'], onError: (error, event) => failures.push([error.name, event]) });
    await bus.close();

    emitter.emit('user.created', { id: 'late', at: new Date() });

    expect(await until(failures, 1)).toEqual([['ClosedError', 'user.created']]);
  });

  it('rejects bad arguments with ConfigError naming the field', async () => {
    const bus = await startedBus(memoryBroker(), 'a');
    const emitter = new NodeEmitter();
    expect(() => bridge({} as EmitterLike, bus, { events: ['user.created'] })).toThrow(ConfigError);
    expect(() => bridge(emitter, bus, { events: [] })).toThrow(/"events"/);
    expect(() => bridge(emitter, bus, { events: [''] as never })).toThrow(/"events\[0\]"/);
    expect(() => bridge(emitter, bus, { events: ['user.created'], onError: 1 as never })).toThrow(/"onError"/);
    expect(emitter.listenerCount('user.created')).toBe(0);
  });
});

describe('bridge on a callable emitter (an Express app is a function with EventEmitter methods)', () => {
  it('is accepted and carries events', async () => {
    const broker = memoryBroker();
    const [busA, busB] = [await startedBus(broker, 'a'), await startedBus(broker, 'b')];
    const callable = (() => Object.assign(function app() {}, NodeEmitter.prototype))() as unknown as NodeEmitter;
    NodeEmitter.call(callable);
    const other = new NodeEmitter();
    bridge(callable as EmitterLike, busA, { events: ['user.created'] });
    bridge(other, busB, { events: ['user.created'] });
    const heard: string[] = [];
    other.on('user.created', (user: { id: string }) => heard.push(user.id));

    callable.emit('user.created', { id: 'from-app', at: new Date() });

    expect(await until(heard, 1)).toEqual(['from-app']);
  });
});
