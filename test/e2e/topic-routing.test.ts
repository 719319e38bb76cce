import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, type FailureReport } from '@remit/core';
import { deleteTopology, queueInfo, rawChannel, unique, waitFor } from '../helpers/broker.js';
import { groupQueue, TestTopology } from '../helpers/buses.js';

let topology: TestTopology;
afterEach(async () => topology?.cleanup());

/** Whether the broker routes `key` on `exchange` to any queue now: a mandatory publish comes back when not. */
async function routes(exchange: string, key: string): Promise<boolean> {
  const raw = await rawChannel();
  try {
    const channel = await raw.connection.createConfirmChannel();
    let returned = false;
    channel.on('return', () => {
      returned = true;
    });
    // A probe nobody decodes as an event: no remit headers, so a bus that gets it dead-letters it.
    channel.publish(exchange, key, Buffer.from('probe'), { mandatory: true });
    await channel.waitForConfirms();
    return !returned;
  } finally {
    await raw.close();
  }
}

type Payload = { n: number };

describe('topic routing: an instance hears only what it handles', () => {
  it('delivers to each queue only the events its handlers are bound for, broadcast and group', async () => {
    topology = new TestTopology({ routing: 'topic' });
    const group = topology.group('invoices');
    const seen: string[] = [];
    const orders = topology.bus<Record<string, Payload>>({ service: 'orders' });
    orders.on('order.*', (_payload, meta) => void seen.push(`orders ${meta.name}`));
    const users = topology.bus<Record<string, Payload>>({ service: 'users' });
    users.on('user.created', (_payload, meta) => void seen.push(`users ${meta.name}`));
    users.on('invoice.#', (_payload, meta) => void seen.push(`invoices ${meta.name}`), { group });
    const unroutable: string[] = [];
    const shop = topology.bus<Record<string, Payload>>({
      service: 'shop',
      onError: (report: FailureReport) => void (report.kind === 'unroutable' && unroutable.push(report.event ?? '')),
    });
    await Promise.all([orders.start(), users.start(), shop.start()]);

    const names = ['order.placed', 'order.line.added', 'user.created', 'user.deleted', 'invoice.paid', 'invoice.line.added', 'audit.log'];
    for (let n = 0; n < 5; n++) for (const name of names) await shop.publish(name, { n });
    await waitFor('every routed event handled', () => seen.length === 5 * 4);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(seen.filter((line) => line.startsWith('orders'))).toHaveLength(5);
    expect(seen.filter((line) => line.startsWith('users'))).toHaveLength(5);
    expect(seen.filter((line) => line.startsWith('invoices'))).toHaveLength(10);
    // Received is what the broker delivered: nothing beyond what the handlers ran for.
    expect(orders.stats().received).toBe(5);
    expect(users.stats().received).toBe(15);
    // What no queue is bound for comes back to the publisher, counted and reported.
    expect(shop.stats().unroutable).toBe(15);
    expect(new Set(unroutable)).toEqual(new Set(['order.line.added', 'user.deleted', 'audit.log']));
  });

  it("bus.observe()'s receivers are the queues an event is routed to, as the test harness needs", async () => {
    topology = new TestTopology({ routing: 'topic' });
    const group = topology.group('invoices');
    const users = topology.bus<Record<string, Payload>>({ service: 'users' });
    users.on('user.created', () => {});
    users.on('invoice.#', () => {}, { group });
    await users.start();
    const observation = users.observe(() => {});
    onTestFinished(observation.stop);
    const receivers = (name: string) => observation.receivers(name).map(({ queue }) => queue);
    const [broadcastQueue] = receivers('user.created');
    expect(broadcastQueue).toMatch(/^remit\.instance\.users\./);
    expect(receivers('user.created')).toEqual([broadcastQueue]);
    expect(receivers('invoice.line.added')).toEqual([groupQueue(group, topology.exchange)]);
    expect(receivers('user.deleted')).toEqual([]);
    // Under fanout routing every queue consumed gets every event.
    const fanout = new TestTopology();
    onTestFinished(() => fanout.cleanup());
    const plain = fanout.bus<Record<string, Payload>>({ service: 'users' });
    plain.on('user.created', () => {});
    plain.on('invoice.#', () => {}, { group: fanout.group('invoices') });
    await plain.start();
    expect(plain.observe(() => {}).receivers('user.deleted')).toHaveLength(2);
  });

  it('binds a handler added after start() within a round trip, and unbinds a name when off() leaves it no handler', async () => {
    topology = new TestTopology({ routing: 'topic' });
    const consumer = topology.bus<Record<string, Payload>>({ service: 'late' });
    consumer.on('boot.done', () => {});
    await consumer.start();
    expect(await routes(topology.exchange, 'stock.changed')).toBe(false);

    const handled: number[] = [];
    const first = (payload: Payload) => void handled.push(payload.n);
    const second = () => {};
    const added = performance.now();
    consumer.on('stock.*', first);
    consumer.on('stock.*', second);
    await waitFor('stock.changed to be bound', () => routes(topology.exchange, 'stock.changed'));
    console.log(`[topic] on() after start() → binding live in ${(performance.now() - added).toFixed(0)} ms (the probe itself takes a connection)`);

    const publisher = topology.bus<Record<string, Payload>>({ service: 'stock' });
    await publisher.start();
    await publisher.publish('stock.changed', { n: 1 });
    await waitFor('the late handler to run', () => handled.length === 1);

    consumer.off('stock.*', first);
    // One handler of the pattern is left: the binding stays.
    expect(await routes(topology.exchange, 'stock.changed')).toBe(true);
    consumer.off('stock.*', second);
    await waitFor('stock.changed to be unbound', async () => !(await routes(topology.exchange, 'stock.changed')));
    expect(await routes(topology.exchange, 'boot.done')).toBe(true);
  });

  it('onAny binds # and the instance hears every event; removing it unbinds #', async () => {
    topology = new TestTopology({ routing: 'topic' });
    const auditor = topology.bus<Record<string, Payload>>({ service: 'audit' });
    const names: string[] = [];
    const all = (name: string) => void names.push(name);
    auditor.onAny(all);
    const publisher = topology.bus<Record<string, Payload>>({ service: 'shop' });
    await Promise.all([auditor.start(), publisher.start()]);
    for (const name of ['a', 'b.c', 'd.e.f']) await publisher.publish(name, { n: 1 });
    await waitFor('three events', () => names.length === 3);
    expect(names).toEqual(['a', 'b.c', 'd.e.f']);
    auditor.offAny(all);
    await waitFor('# to be unbound', async () => !(await routes(topology.exchange, 'anything.at.all')));
  });

  it('a group queue is bound for its group\'s names only, also for a group handler added after start(), and keeps them while the group is down', async () => {
    topology = new TestTopology({ routing: 'topic' });
    const group = topology.group('mailer');
    const worker = topology.bus<Record<string, Payload>>({ service: 'mailer' });
    await worker.start();
    const handled: string[] = [];
    // Added after start(): declares the group queue and binds it at once.
    worker.on('mail.send', (_payload, meta) => void handled.push(meta.name), { group });
    await waitFor('the group queue to be bound', () => routes(topology.exchange, 'mail.send'));
    const publisher = topology.bus<Record<string, Payload>>({ service: 'api' });
    await publisher.start();
    await publisher.publish('mail.send', { n: 1 });
    await waitFor('the group handler', () => handled.length === 1);

    await worker.close();
    for (const name of ['mail.send', 'mail.bounce', 'sms.send']) await publisher.publish(name, { n: 2 });
    // Only the group's own events wait in its queue for the group to come back.
    await waitFor('one event waiting', async () => (await queueInfo(topology.groupQueue(group))).messageCount === 1);
    expect(await routes(topology.exchange, 'mail.bounce')).toBe(false);
  });

  it('publish(…, { ack: true }) waits only for the instances bound for the event', async () => {
    // Presence of its own, so that instances of other tests on this broker are not awaited.
    const presenceExchange = unique('test.presence');
    topology = new TestTopology({ routing: 'topic', presenceExchange });
    onTestFinished(() => deleteTopology({ exchanges: [presenceExchange] }));
    const orders = topology.bus<Record<string, Payload>>({ service: 'orders' });
    orders.on('order.*', () => {});
    const users = topology.bus<Record<string, Payload>>({ service: 'users' });
    users.on('user.created', () => {});
    const shop = topology.bus<Record<string, Payload>>({ service: 'shop' });
    await Promise.all([orders.start(), users.start(), shop.start()]);
    const report = await shop.publish('order.placed', { n: 1 }, { ack: true, timeoutMs: 5000 });
    // The publisher ran its own (no) handlers for it, locally.
    expect(report.acked.map((ref) => ref.service).sort()).toEqual(['orders', 'shop']);
    expect(report.missing).toEqual([]);
    const listed = await shop.instances();
    expect(listed.find((info) => info.service === 'users')?.topics).toEqual(['user.created']);
  });
});

describe('switching an exchange between fanout and topic', () => {
  it('start() rejects with a ConfigError naming transport.exchange, and what to do, when the exchange is a fanout', async () => {
    const exchange = unique('test.switch');
    const raw = await rawChannel();
    await raw.channel.assertExchange(exchange, 'fanout', { durable: true });
    await raw.close();
    topology = new TestTopology({ routing: 'topic', exchange });
    const bus = topology.bus({ service: 'switch' });
    const started = performance.now();
    const error = await bus.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('transport.exchange');
    expect((error as Error).message).toContain(`exists as a fanout exchange`);
    expect((error as Error).message).toContain(`exchange: '${exchange}.topic'`);
    // Not the connect timeout's retries: a contradiction in the topology is not retried.
    expect(performance.now() - started).toBeLessThan(10_000);

    const fanout = new TestTopology({ routing: 'fanout', exchange: `${exchange}.topic` });
    const topic = new TestTopology({ routing: 'topic', exchange: `${exchange}.topic` });
    await topic.bus({ service: 'first' }).start();
    const reverse = await fanout.bus({ service: 'second' }).start().catch((caught: unknown) => caught);
    expect(reverse).toBeInstanceOf(ConfigError);
    expect((reverse as Error).message).toContain("routing: 'topic'");
    await Promise.all([fanout.cleanup(), topic.cleanup()]);
    await deleteTopology({ exchanges: [exchange, `${exchange}.topic`] });
  });
});

describe('moving a system from a fanout exchange to a topic exchange (docs/scaling.md)', () => {
  it('an exchange-to-exchange binding carries fanout publishers\' events to topic consumers, routed by name', async () => {
    const fanout = new TestTopology({ routing: 'fanout' });
    topology = new TestTopology({ routing: 'topic' });
    const publisher = fanout.bus<Record<string, Payload>>({ service: 'old-publisher' });
    const heard: string[] = [];
    const consumer = topology.bus<Record<string, Payload>>({ service: 'new-consumer' });
    consumer.on('order.*', (_payload, meta) => void heard.push(meta.name));
    await Promise.all([publisher.start(), consumer.start()]);
    // The bridge: the topic exchange bound to the fanout one, as a destination, with any key.
    const raw = await rawChannel();
    await raw.channel.bindExchange(topology.exchange, fanout.exchange, '');
    await raw.close();

    for (const name of ['order.placed', 'user.created', 'order.cancelled']) await publisher.publish(name, { n: 1 });
    await waitFor('the two order events', () => heard.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toEqual(['order.placed', 'order.cancelled']);
    // The topic exchange took only what a queue was bound for: the consumer received nothing else.
    expect(consumer.stats().received).toBe(2);
    await fanout.cleanup();
  });
});
