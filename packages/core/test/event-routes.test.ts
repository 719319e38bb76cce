import { describe, expect, it } from 'vitest';
import { EventBindings } from '../src/amqp/event-bindings.js';
import { createBus, memory, memoryBroker, type QueueRef, type TransportFactory } from '../src/index.js';
import { overriddenTransport } from './memory-buses.js';

/** The memory transport, claiming topic routing, with every route() call recorded. */
function recordingTopic(calls: { queue: string; keys: readonly string[] }[]): TransportFactory {
  return overriddenTransport(memory(memoryBroker()), () => ({
    routing: 'topic',
    route: async (queue: QueueRef, keys: readonly string[]) => void calls.push({ queue: queue.name, keys: [...keys] }),
  }));
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('event routes: the bindings a bus asks for under topic routing', () => {
  it('binds the broadcast queue to each name and pattern, # for onAny, in one pass per burst of on() calls', async () => {
    const calls: { queue: string; keys: readonly string[] }[] = [];
    const bus = createBus({ service: 'svc', instanceId: 'i1', transport: recordingTopic(calls), logger: false });
    const queue = 'remit.instance.svc.i1';
    bus.on('order.placed', () => {});
    bus.on('user.*', () => {});
    bus.on('order.placed', () => {});
    await tick();
    expect(calls).toEqual([{ queue, keys: ['order.placed', 'user.*'] }]);

    const all = () => {};
    bus.onAny(all);
    await tick();
    expect(calls.at(-1)).toEqual({ queue, keys: ['#'] });
    bus.offAny(all);
    bus.off('order.placed');
    await tick();
    expect(calls.at(-1)).toEqual({ queue, keys: ['user.*'] });
    // Nothing changed: no call.
    const before = calls.length;
    bus.off('never.registered');
    await tick();
    expect(calls).toHaveLength(before);
    await bus.close();
  });

  it('only ever adds to a group queue\'s bindings: the group\'s other instances may still handle a name', async () => {
    const calls: { queue: string; keys: readonly string[] }[] = [];
    const bus = createBus({ service: 'svc', transport: recordingTopic(calls), logger: false });
    const first = bus.on('invoice.paid', () => {}, { group: 'billing' });
    await tick();
    expect(calls.at(-1)).toEqual({ queue: 'remit.group.billing', keys: ['invoice.paid'] });
    bus.on('invoice.voided', () => {}, { group: 'billing' });
    first();
    await tick();
    expect(calls.at(-1)).toEqual({ queue: 'remit.group.billing', keys: ['invoice.paid', 'invoice.voided'] });
    await bus.close();
  });
});

describe('EventBindings', () => {
  it('declares a queue with what it wants, then applies later wants as a difference', () => {
    const bindings = new EventBindings();
    bindings.want('q', ['a', 'b', 'a']);
    expect(bindings.wanted('q')).toEqual(['a', 'b']);
    expect(bindings.declared('q')).toBe(false);
    bindings.declaredWith('q', bindings.wanted('q'));
    bindings.want('q', ['b', 'c']);
    expect(bindings.difference('q')).toEqual({ add: ['c'], remove: ['a'] });
    bindings.mark('q', 'c', true);
    bindings.mark('q', 'a', false);
    expect(bindings.difference('q')).toEqual({ add: [], remove: [] });
    // A new connection: declared again with what it wants.
    bindings.reset();
    expect(bindings.declared('q')).toBe(false);
    expect(bindings.wanted('q')).toEqual(['b', 'c']);
  });
});
