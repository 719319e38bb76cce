import { afterEach, describe, expect, it } from 'vitest';
import { type Codec } from '@remit/core';
import { waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  length(): number {
    return Math.hypot(this.x, this.y);
  }
}

let topology: TestTopology;
afterEach(async () => topology.cleanup());

async function roundTrip(options: { codec?: 'json' | Codec; register?: boolean }, payload: unknown): Promise<unknown> {
  const sender = topology.bus({ service: 'sender', ...(options.codec ? { codec: options.codec } : {}) });
  const receiver = topology.bus({ service: 'receiver', ...(options.codec ? { codec: options.codec } : {}) });
  if (options.register) {
    sender.registerClass(Point);
    receiver.registerClass(Point);
  }
  const received: unknown[] = [];
  receiver.on('thing', (value) => void received.push(value));
  await Promise.all([sender.start(), receiver.start()]);
  await sender.publish('thing', payload);
  await waitFor('the payload', () => received.length === 1);
  return received[0];
}

describe('codecs over RabbitMQ', () => {
  it('round-trips Date, Map, Set, BigInt, undefined and nested objects with the default codec', async () => {
    topology = new TestTopology();
    const payload = {
      at: new Date('2026-11-24T12:00:00.000Z'),
      counts: new Map([
        ['a', 1n],
        ['b', 2n ** 64n],
      ]),
      tags: new Set(['new', 'vip']),
      nothing: undefined,
      nested: { deeper: [{ when: new Date(0), ids: new Set([1, 2]) }] },
    };
    const received = (await roundTrip({}, payload)) as typeof payload;
    expect(received).toEqual(payload);
    expect(received.at).toBeInstanceOf(Date);
    expect(received.counts.get('b')).toBe(2n ** 64n);
    expect(Object.hasOwn(received, 'nothing')).toBe(true);
  });

  it('rebuilds a class registered on both buses', async () => {
    topology = new TestTopology();
    const received = await roundTrip({ register: true }, { where: new Point(3, 4) });
    const where = (received as { where: Point }).where;
    expect(where).toBeInstanceOf(Point);
    expect(where.length()).toBe(5);
  });

  it("round-trips plain JSON with codec: 'json'", async () => {
    topology = new TestTopology();
    const payload = { id: 'x', list: [1, 'two', null, { three: true }] };
    expect(await roundTrip({ codec: 'json' }, payload)).toEqual(payload);
  });

  it('round-trips through a custom codec, named in the remit-codec header', async () => {
    topology = new TestTopology();
    const reversing: Codec = {
      name: 'reversed-json',
      encode: (value) => Buffer.from(JSON.stringify(value).split('').reverse().join('')),
      decode: (body) => JSON.parse(body.toString().split('').reverse().join('')) as unknown,
    };
    expect(await roundTrip({ codec: reversing }, { hello: 'world' })).toEqual({ hello: 'world' });
  });

  it('lets a json bus hear a superjson bus: receivers decode by header, not by their own codec', async () => {
    topology = new TestTopology();
    const sender = topology.bus({ service: 'rich' });
    const receiver = topology.bus({ service: 'plain', codec: 'json' });
    const received: unknown[] = [];
    receiver.on('thing', (value) => void received.push(value));
    await Promise.all([sender.start(), receiver.start()]);
    await sender.publish('thing', { at: new Date(5) });
    await waitFor('the payload', () => received.length === 1);
    expect(received[0]).toEqual({ at: new Date(5) });
  });
});
