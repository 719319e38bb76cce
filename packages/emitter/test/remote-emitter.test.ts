import { type EventMeta, memoryBroker } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { RemoteEmitter } from '../src/index.js';
import { startedBuses, until } from './started-buses.js';

type Events = { 'order.placed': { id: string; total: bigint }; 'tick': number };

const startedBus = startedBuses<Events>('shop');

describe('RemoteEmitter', () => {
  it('emit() is heard locally as (payload) and on other instances as (payload, meta), once each', async () => {
    const broker = memoryBroker();
    const here = new RemoteEmitter<Events>(await startedBus(broker, 'a'));
    const there = new RemoteEmitter<Events>(await startedBus(broker, 'b'));
    const heardHere: Array<[bigint, EventMeta | undefined]> = [];
    const heardThere: Array<[bigint, EventMeta | undefined]> = [];
    here.on('order.placed', (order, meta) => heardHere.push([order.total, meta]));
    there.on('order.placed', (order, meta) => heardThere.push([order.total, meta]));

    expect(here.emit('order.placed', { id: 'o1', total: 10n })).toBe(true);
    await until(heardThere, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(heardHere).toEqual([[10n, undefined]]);
    expect(heardThere).toHaveLength(1);
    expect(heardThere[0]?.[0]).toBe(10n);
    expect(heardThere[0]?.[1]).toMatchObject({ name: 'order.placed', instance: 'a' });
  });

  it('carries only the listed events when `events` is given', async () => {
    const broker = memoryBroker();
    const busA = await startedBus(broker, 'a');
    const here = new RemoteEmitter<Events>(busA, { events: ['order.placed'] });
    const there = new RemoteEmitter<Events>(await startedBus(broker, 'b'), { events: ['order.placed'] });
    const ticks: number[] = [];
    there.on('tick', (n) => ticks.push(n));

    here.emit('tick', 1);
    here.emit('order.placed', { id: 'o2', total: 1n });
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(busA.stats().published).toBe(1);
    expect(ticks).toEqual([]);
  });

  it('close() stops remote events; local listeners stay', async () => {
    const broker = memoryBroker();
    const here = new RemoteEmitter<Events>(await startedBus(broker, 'a'));
    const there = new RemoteEmitter<Events>(await startedBus(broker, 'b'));
    const heard: number[] = [];
    there.on('tick', (n) => heard.push(n));

    there.close();
    here.emit('tick', 1);
    there.emit('tick', 2);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(heard).toEqual([2]);
  });

  it('reports a failed publish to onError', async () => {
    const bus = await startedBus(memoryBroker(), 'a');
    const failures: string[] = [];
    const emitter = new RemoteEmitter<Events>(bus, { onError: (error, event) => failures.push(`${event}: ${error.name}`) });
    await bus.close();

    emitter.emit('tick', 3);

    expect(await until(failures, 1)).toEqual(['tick: ClosedError']);
  });
});
