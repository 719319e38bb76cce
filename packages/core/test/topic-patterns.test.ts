import { describe, expect, it } from 'vitest';
import { ConfigError, type FailureReport, memoryBroker } from '../src/index.js';
import { isTopicPattern, topicMatches } from '../src/events/topic-patterns.js';
import { memoryBuses, until } from './memory-buses.js';

describe('topic patterns (AMQP topic semantics)', () => {
  it.each([
    ['order.*', 'order.placed', true],
    ['order.*', 'order', false],
    ['order.*', 'order.line.added', false],
    ['order.#', 'order', true],
    ['order.#', 'order.placed', true],
    ['order.#', 'order.line.added', true],
    ['order.#', 'orders.placed', false],
    ['#', 'anything.at.all', true],
    ['#', 'x', true],
    ['*', 'x', true],
    ['*', 'x.y', false],
    ['*.created', 'user.created', true],
    ['*.created', 'user.profile.created', false],
    ['#.created', 'user.profile.created', true],
    ['#.created', 'created', true],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.b.c', false],
    ['a.*.#', 'a', false],
    ['a.*.#', 'a.b', true],
    ['a.#.#', 'a', true],
    ['a.*.c', 'a..c', true],
    ['order.pl*', 'order.pl*', true],
    ['order.pl*', 'order.placed', false],
  ])('%s against %s: %s', (pattern, name, expected) => {
    expect(topicMatches(pattern, name)).toBe(expected);
  });

  it('takes only whole * and # words as wildcards', () => {
    expect(['order.*', '#', '*', 'a.#.b', '*.x'].every(isTopicPattern)).toBe(true);
    expect(['order.placed', 'order.pl*', 'c#', 'a*b.c', ''].some(isTopicPattern)).toBe(false);
  });
});

type Events = {
  'order.placed': { id: string };
  'order.cancelled': { id: string };
  'order.line.added': { id: string };
  'user.created': { id: string };
};

const bus = memoryBuses<Events>();

describe('handlers registered for a pattern, on the memory transport', () => {
  it('run for exactly the events their pattern matches, broadcast and in a group', async () => {
    const broker = memoryBroker();
    const publisher = bus(broker, { service: 'shop' });
    const consumer = bus(broker, { service: 'billing' });
    const seen: string[] = [];
    consumer.on('order.*', (_payload, meta) => void seen.push(`one-word ${meta.name}`));
    consumer.on('order.#', (_payload, meta) => void seen.push(`any ${meta.name}`), { group: true });
    consumer.on('order.placed', (_payload, meta) => void seen.push(`exact ${meta.name}`));
    await Promise.all([publisher.start(), consumer.start()]);
    for (const name of ['order.placed', 'order.line.added', 'user.created', 'order.cancelled'] as const) {
      await publisher.publish(name, { id: name });
    }
    await until(() => seen.length === 6, 'six handler runs');
    expect(seen.sort()).toEqual([
      'any order.cancelled',
      'any order.line.added',
      'any order.placed',
      'exact order.placed',
      'one-word order.cancelled',
      'one-word order.placed',
    ]);
  });

  it('run for this instance\'s own publish (local), and stop after off() and once', async () => {
    const broker = memoryBroker();
    const instance = bus(broker, { service: 'shop' });
    const seen: string[] = [];
    const counted = (_payload: unknown, meta: { name: string }) => void seen.push(`on ${meta.name}`);
    instance.on('order.*', counted);
    instance.once('*.created', (_payload, meta) => void seen.push(`once ${meta.name}`));
    await instance.start();
    await instance.publish('order.placed', { id: '1' });
    await instance.publish('user.created', { id: '2' });
    await instance.publish('user.created', { id: '3' });
    instance.off('order.*', counted);
    await instance.publish('order.cancelled', { id: '4' });
    await until(() => seen.length >= 2, 'two runs');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen).toEqual(['on order.placed', 'once user.created']);
  });

  it('run once for an event other clients publish under a pattern-like name', async () => {
    const broker = memoryBroker();
    const publisher = bus(broker, { service: 'raw' });
    const consumer = bus(broker, { service: 'billing' });
    const seen: string[] = [];
    consumer.on('order.*', (_payload, meta) => void seen.push(meta.name));
    await Promise.all([publisher.start(), consumer.start()]);
    // Not through publish(), which refuses patterns: as a client in another language could send it.
    broker.publish('events', {
      routingKey: 'order.*',
      body: Buffer.from('{"json":{"id":"x"}}'),
      properties: {
        messageId: 'm-1',
        type: 'order.*',
        headers: { 'remit-version': 1, 'remit-instance': 'other', 'remit-codec': 'superjson' },
      },
    });
    await until(() => seen.length === 1, 'one run');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen).toEqual(['order.*']);
  });

  it('publish() refuses a pattern as an event name, naming the field', async () => {
    const errors: FailureReport[] = [];
    const instance = bus(memoryBroker(), { onError: (report) => void errors.push(report) });
    await instance.start();
    for (const name of ['order.*', '#', 'a.#.b']) {
      const error = await instance.publish(name as 'order.placed', { id: '1' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe('name');
    }
    // A * or # inside a word is an ordinary character.
    await expect(instance.publish('order.pl*' as 'order.placed', { id: '1' })).resolves.toBeUndefined();
    // Nobody listens here, so the broker returned it: that is the only report.
    expect(errors.map((report) => report.kind)).toEqual(['unroutable']);
  });
});
