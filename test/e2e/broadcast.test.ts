import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

type Events = { 'user.created': { id: string; at: Date } };

let topology: TestTopology;
afterEach(async () => topology.cleanup());

describe('broadcast over RabbitMQ', () => {
  it('reaches every one of 3 instances exactly once, with a broker confirm per publish', async () => {
    topology = new TestTopology();
    const heard: Record<string, string[]> = { a: [], b: [], c: [] };
    const buses = Object.keys(heard).map((name) => {
      const bus = topology.bus<Events>({ service: name });
      bus.on('user.created', (user) => void heard[name]?.push(user.id));
      return bus;
    });
    await Promise.all(buses.map((bus) => bus.start()));
    const [a, b, c] = buses;
    if (!a || !b || !c) throw new Error('three buses expected');
    const ids = Array.from({ length: 20 }, (_, i) => `u${i}`);
    await Promise.all(ids.map((id) => a.publish('user.created', { id, at: new Date() })));
    expect(a.stats()).toMatchObject({ published: 20, confirmed: 20 });
    await waitFor('every instance to hear 20 events', () => Object.values(heard).every((list) => list.length >= 20));
    // Give a duplicate the chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const list of Object.values(heard)) expect(list.sort()).toEqual([...ids].sort());
    expect(b.stats()).toMatchObject({ received: 20, handled: 20, duplicates: 0 });
  });

  it('delivers each event with its meta and application headers', async () => {
    topology = new TestTopology();
    const publisher = topology.bus<Events>({ service: 'api', instanceId: 'api-1' });
    const listener = topology.bus<Events>({ service: 'mailer' });
    const metas: unknown[] = [];
    listener.on('user.created', (_user, meta) => void metas.push(meta));
    await Promise.all([publisher.start(), listener.start()]);
    const before = Date.now();
    await publisher.publish('user.created', { id: '1', at: new Date() }, { headers: { tenant: 'acme', retries: 2 } });
    await waitFor('the event', () => metas.length === 1);
    const [meta] = metas as { publishedAt: Date }[];
    expect(meta).toMatchObject({
      name: 'user.created',
      service: 'api',
      instance: 'api-1',
      redelivered: false,
      headers: { tenant: 'acme', retries: 2 },
    });
    expect(meta?.publishedAt.getTime()).toBeGreaterThanOrEqual(before);
  });

  it("runs an instance's own event once with local: true, and not at all with local: false", async () => {
    topology = new TestTopology();
    const self = topology.bus<Events>({ service: 'solo' });
    const other = topology.bus<Events>({ service: 'other' });
    const own: string[] = [];
    const others: string[] = [];
    self.on('user.created', (user) => void own.push(user.id));
    other.on('user.created', (user) => void others.push(user.id));
    await Promise.all([self.start(), other.start()]);
    await self.publish('user.created', { id: 'with-local', at: new Date() });
    await self.publish('user.created', { id: 'without-local', at: new Date() }, { local: false });
    await waitFor('the other instance to hear both', () => others.length === 2);
    await waitFor('the broker copies to reach the publisher', () => self.stats().received === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(own).toEqual(['with-local']);
    expect(others).toEqual(['with-local', 'without-local']);
  });

  it('hears events with onAny, with the event name', async () => {
    topology = new TestTopology();
    const publisher = topology.bus({ service: 'p' });
    const listener = topology.bus({ service: 'l' });
    const names: string[] = [];
    listener.onAny((name) => void names.push(name));
    await Promise.all([publisher.start(), listener.start()]);
    await publisher.publish('a.happened', 1);
    await publisher.publish('b.happened', 2);
    await waitFor('two events', () => names.length === 2);
    expect(names).toEqual(['a.happened', 'b.happened']);
  });
});
