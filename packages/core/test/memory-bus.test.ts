import { describe, expect, it } from 'vitest';
import { ClosedError, type EventMeta, type FailureReport, Header, memoryBroker, PayloadTooLargeError } from '../src/index.js';
import { memoryBuses, until } from './memory-buses.js';

type Events = {
  'user.created': { id: string; at: Date };
  'order.placed': { id: string; total: bigint };
};

const bus = memoryBuses<Events>({ retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 } });

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('memory transport', () => {
  it('broadcasts every event to every other instance exactly once', async () => {
    const broker = memoryBroker();
    const heard = new Map<string, string[]>();
    const instances = ['a', 'b', 'c'].map((id) => {
      const instance = bus(broker, { service: id });
      heard.set(id, []);
      instance.on('user.created', (user) => void heard.get(id)?.push(user.id));
      return instance;
    });
    await Promise.all(instances.map((instance) => instance.start()));
    await instances[0]?.publish('user.created', { id: 'u1', at: new Date() }, { local: false });
    await until(() => heard.get('b')?.length === 1 && heard.get('c')?.length === 1, 'b and c');
    await settle();
    expect(heard.get('a')).toEqual([]);
    expect(heard.get('b')).toEqual(['u1']);
    expect(heard.get('c')).toEqual(['u1']);
  });

  it('runs a group handler once per event across the group, and broadcast handlers everywhere', async () => {
    const broker = memoryBroker();
    const groupRuns: string[] = [];
    const broadcastRuns: string[] = [];
    const instances = [1, 2, 3].map((n) => {
      const instance = bus(broker, { service: 'mailer', instanceId: `mailer-${n}` });
      instance.on('user.created', (user) => void groupRuns.push(`${n}:${user.id}`), { group: true });
      instance.on('user.created', (user) => void broadcastRuns.push(`${n}:${user.id}`));
      return instance;
    });
    const publisher = bus(broker, { service: 'api' });
    await Promise.all([...instances, publisher].map((instance) => instance.start()));
    for (let i = 0; i < 9; i++) await publisher.publish('user.created', { id: `u${i}`, at: new Date() });
    await until(() => groupRuns.length === 9 && broadcastRuns.length === 27, 'all handlers');
    await settle();
    expect(groupRuns).toHaveLength(9);
    expect(new Set(groupRuns.map((run) => run.split(':')[1])).size).toBe(9);
    expect(new Set(groupRuns.map((run) => run.split(':')[0])).size).toBeGreaterThan(1);
    expect(broadcastRuns).toHaveLength(27);
  });

  it('runs its own broadcast handlers once with local: true, and not at all with local: false', async () => {
    const broker = memoryBroker();
    const self = bus(broker);
    const heard: string[] = [];
    self.on('user.created', (user) => void heard.push(user.id));
    await self.start();
    await self.publish('user.created', { id: 'local', at: new Date() });
    await self.publish('user.created', { id: 'remote-only', at: new Date() }, { local: false });
    await settle();
    expect(heard).toEqual(['local']);
    expect(self.stats().received).toBe(2);
  });

  it('gives handlers the payload decoded through the codec, and meta', async () => {
    const broker = memoryBroker();
    const [a, b] = [bus(broker, { service: 'a', instanceId: 'a-1' }), bus(broker, { service: 'b' })];
    const received: { total: bigint; meta: EventMeta }[] = [];
    b.on('order.placed', (order, meta) => void received.push({ total: order.total, meta }));
    await Promise.all([a.start(), b.start()]);
    await a.publish('order.placed', { id: 'o1', total: 12n }, { headers: { tenant: 'acme' } });
    await until(() => received.length === 1, 'the order');
    const [first] = received;
    expect(first?.total).toBe(12n);
    expect(first?.meta).toMatchObject({ name: 'order.placed', service: 'a', instance: 'a-1', redelivered: false });
    expect(first?.meta.headers).toEqual({ tenant: 'acme' });
    expect(first?.meta.publishedAt).toBeInstanceOf(Date);
    expect(first?.meta.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries a failing handler, then dead-letters the event with the reason in headers', async () => {
    const broker = memoryBroker();
    const failures: FailureReport[] = [];
    const [a, b] = [bus(broker, { service: 'a' }), bus(broker, { service: 'b', onError: (f) => void failures.push(f) })];
    let calls = 0;
    b.on('user.created', function sendWelcome() {
      calls++;
      throw new Error('smtp down');
    });
    await Promise.all([a.start(), b.start()]);
    await a.publish('user.created', { id: 'u1', at: new Date() });
    await until(() => broker.deadLetters().length === 1, 'a dead letter');
    expect(calls).toBe(3);
    const [dead] = broker.deadLetters();
    expect(dead?.properties.headers).toMatchObject({
      [Header.deadReason]: 'handler-failed',
      [Header.deadHandler]: 'sendWelcome',
      [Header.deadAttempts]: 3,
      [Header.deadEvent]: 'user.created',
    });
    expect(String(dead?.properties.headers[Header.deadError])).toContain('smtp down');
    expect(failures).toMatchObject([{ kind: 'handler', handler: 'sendWelcome', attempts: 3, event: 'user.created' }]);
    expect(b.stats()).toMatchObject({ failed: 1, retried: 2, deadLettered: 1 });
  });

  it('once() runs for one event, off() and the returned unsubscribe stop handlers', async () => {
    const broker = memoryBroker();
    const [a, b] = [bus(broker, { service: 'a' }), bus(broker, { service: 'b' })];
    const seen: string[] = [];
    b.once('user.created', (user) => void seen.push(`once:${user.id}`));
    const stop = b.on('user.created', (user) => void seen.push(`on:${user.id}`));
    const named = (user: Events['user.created']) => void seen.push(`named:${user.id}`);
    b.on('user.created', named);
    const anyNames: string[] = [];
    b.onAny((name) => void anyNames.push(name));
    await Promise.all([a.start(), b.start()]);
    await a.publish('user.created', { id: '1', at: new Date() });
    await until(() => seen.length === 3, 'first event');
    stop();
    b.off('user.created', named);
    b.offAny();
    await a.publish('user.created', { id: '2', at: new Date() });
    await settle();
    expect(seen.sort()).toEqual(['named:1', 'on:1', 'once:1']);
    expect(anyNames).toEqual(['user.created']);
  });

  it('rejects publish with ClosedError after close, and start too', async () => {
    const broker = memoryBroker();
    const a = bus(broker);
    await a.start();
    await a.close();
    await expect(a.publish('user.created', { id: '1', at: new Date() })).rejects.toBeInstanceOf(ClosedError);
    await expect(a.start()).rejects.toMatchObject({ name: 'ClosedError' });
    expect(a.health().status).toBe('closed');
  });

  it('rejects a payload over maxPayloadBytes with PayloadTooLargeError and sends nothing', async () => {
    const broker = memoryBroker();
    const [a, b] = [bus(broker, { service: 'a', maxPayloadBytes: 100 }), bus(broker, { service: 'b' })];
    const heard: string[] = [];
    b.on('user.created', (user) => void heard.push(user.id));
    await Promise.all([a.start(), b.start()]);
    const error = await a.publish('user.created', { id: 'x'.repeat(200), at: new Date() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ name: 'PayloadTooLargeError', limit: 100 });
    await settle();
    expect(heard).toEqual([]);
    expect(a.stats().published).toBe(0);
  });

  it('close() lets a running handler finish before it returns', async () => {
    const broker = memoryBroker();
    const [a, b] = [bus(broker, { service: 'a' }), bus(broker, { service: 'b' })];
    let finished = false;
    let started = false;
    b.on('user.created', async () => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 100));
      finished = true;
    });
    await Promise.all([a.start(), b.start()]);
    await a.publish('user.created', { id: '1', at: new Date() });
    await until(() => started, 'the handler to start');
    await b.close();
    expect(finished).toBe(true);
    expect(b.stats().handled).toBe(1);
  });

  it('reports status changes and health', async () => {
    const broker = memoryBroker();
    const a = bus(broker);
    const statuses: string[] = [];
    a.onStatus((change) => void statuses.push(change.status));
    expect(a.health().status).toBe('idle');
    await a.start();
    expect(a.health()).toMatchObject({ status: 'connected', outbox: 0, lastError: null });
    expect(a.health().connectedSince).toBeInstanceOf(Date);
    await a.close();
    expect(statuses).toEqual(['connecting', 'connected', 'closing', 'closed']);
  });

  it('start() and close() are idempotent', async () => {
    const a = bus(memoryBroker());
    await Promise.all([a.start(), a.start()]);
    await a.start();
    await Promise.all([a.close(), a.close()]);
    await a.close();
    expect(a.health().status).toBe('closed');
  });

  it('starts consuming a group added after start, and stops when its last handler leaves', async () => {
    const broker = memoryBroker();
    const [a, b] = [bus(broker, { service: 'a' }), bus(broker, { service: 'b' })];
    await Promise.all([a.start(), b.start()]);
    const heard: string[] = [];
    const stop = b.on('user.created', (user) => void heard.push(user.id), { group: 'late' });
    await until(() => broker.queueNames().includes('remit.group.late'), 'the group queue');
    await a.publish('user.created', { id: '1', at: new Date() });
    await until(() => heard.length === 1, 'the group handler');
    stop();
    await settle();
    await a.publish('user.created', { id: '2', at: new Date() });
    await settle();
    expect(heard).toEqual(['1']);
  });

  it('drops a redelivered event whose id it already handled', async () => {
    const broker = memoryBroker();
    const b = bus(broker, { service: 'b' });
    const heard: string[] = [];
    b.on('user.created', (user) => void heard.push(user.id));
    await b.start();
    const a = bus(broker, { service: 'a', codec: 'json' });
    await a.start();
    // Two copies of one message id, as after a redelivery.
    const message = {
      routingKey: 'user.created',
      body: Buffer.from('{"id":"dup"}'),
      properties: { messageId: 'same-id', type: 'user.created', headers: { [Header.codec]: 'json' } },
    };
    broker.publish('events', message);
    broker.publish('events', message);
    await until(() => b.stats().received === 2, 'both copies');
    await settle();
    expect(heard).toEqual(['dup']);
    expect(b.stats().duplicates).toBe(1);
  });
});
