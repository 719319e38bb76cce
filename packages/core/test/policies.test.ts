import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  type EventMeta,
  type FailureReport,
  Header,
  memoryBroker,
  type StatusChange,
  UnrecoverableError,
} from '../src/index.js';
import { memoryBuses, sleep, until } from './memory-buses.js';

type Events = {
  'order.placed': { id: string; customer: string };
  'invoice.due': { n: number };
};

const bus = memoryBuses<Events>({ retry: { attempts: 1, initialDelayMs: 1, maxDelayMs: 2 } });

/** A handler that fails its first `failures` calls, recording every call's meta.attempt. */
function flaky(failures: number) {
  const attempts: number[] = [];
  let calls = 0;
  return {
    attempts,
    handler: function chargeCard(_payload: unknown, meta: EventMeta) {
      attempts.push(meta.attempt);
      if (++calls <= failures) throw new Error(`payment service down (call ${calls})`);
    },
  };
}

describe('bad policy options throw ConfigError naming the field', () => {
  const cases: Array<[string, object]> = [
    ['retry.delays[0]', { retry: { delays: [-1] } }],
    ['retry.delays[1]', { retry: { delays: ['10s', '5 parsecs'] } }],
    ['retry.delays', { retry: { delays: '10s' } }],
    ['retry.retryIf', { retry: { retryIf: true } }],
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: 1.5 }],
    ['retry.delays', { group: true, orderBy: () => 'k', retry: { delays: ['1s'] } }],
    ['orderBy', { orderBy: () => 'k' }],
    ['circuitBreaker.failureRatio', { circuitBreaker: { failureRatio: 2 } }],
    ['circuitBreaker.pauseMs', { circuitBreaker: { pauseMs: '5 parsecs' } }],
    ['name', { name: 'a,b' }],
  ];
  it.each(cases)('%s', (field, options) => {
    const subject = bus(memoryBroker());
    expect(() => subject.on('invoice.due', () => {}, options)).toThrow(expect.objectContaining({ name: 'ConfigError', field }));
  });

  it('names handlers uniquely per event: a default name gets #2, a repeated explicit name is refused', () => {
    const subject = bus(memoryBroker());
    subject.on('invoice.due', function remind() {});
    subject.on('invoice.due', function remind() {});
    subject.on('invoice.due', () => {}, { name: 'audit' });
    expect(() => subject.on('invoice.due', () => {}, { name: 'audit' })).toThrow(ConfigError);
    expect(subject.health().handlers.map((handler) => handler.handler)).toEqual(['remind', 'remind#2', 'audit']);
  });
});

describe('delayed retries (memory transport)', () => {
  it('sends a failing event back after each delay, runs only the handlers that failed, and counts tries in meta.attempt', async () => {
    const broker = memoryBroker();
    const consumer = bus(broker, { service: 'billing' });
    const flakyCharge = flaky(3);
    const audits: number[] = [];
    consumer.on('invoice.due', flakyCharge.handler, { retry: { attempts: 2, initialDelayMs: 1, delays: [30, 60] } });
    consumer.on('invoice.due', function audit({ n }) {
      audits.push(n);
    });
    const publisher = bus(broker, { service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    await publisher.publish('invoice.due', { n: 1 });
    await until(() => flakyCharge.attempts.length === 4, 'the fourth try');
    // Two tries, a delayed redelivery with two more; the fourth succeeds.
    expect(flakyCharge.attempts).toEqual([1, 2, 3, 4]);
    expect(audits).toEqual([1]);
    expect(consumer.stats()).toMatchObject({ delayed: 1, retried: 2, deadLettered: 0, failed: 0 });
    expect(consumer.stats().events['invoice.due']?.delayed).toBe(1);
  });

  it('dead-letters after the last delay, with the tries and delays used in headers', async () => {
    const broker = memoryBroker();
    const consumer = bus(broker, { service: 'billing' });
    const charge = flaky(Infinity);
    const failures: FailureReport[] = [];
    consumer.on('invoice.due', charge.handler, { group: true, retry: { attempts: 1, delays: [20, 40] } });
    const publisher = bus(broker, { service: 'api', onError: (f) => void failures.push(f) });
    const watched = bus(broker, { service: 'watch' });
    await Promise.all([consumer.start(), publisher.start(), watched.start()]);
    await publisher.publish('invoice.due', { n: 7 });
    await until(() => broker.deadLetters().length === 1, 'the dead letter');
    expect(charge.attempts).toEqual([1, 2, 3]);
    const headers = broker.deadLetters()[0]?.properties.headers ?? {};
    expect(headers).toMatchObject({ [Header.deadReason]: 'handler-failed', [Header.deadAttempts]: 3, [Header.deadDelays]: '20,40', [Header.deadHandler]: 'chargeCard' });
    expect(consumer.stats()).toMatchObject({ delayed: 2, deadLettered: 1, failed: 1 });
  });

  it('retries a local handler (the publisher\'s own) through its own broadcast queue', async () => {
    const broker = memoryBroker();
    const self = bus(broker, { service: 'solo' });
    const charge = flaky(1);
    self.on('invoice.due', charge.handler, { retry: { attempts: 1, delays: [20] } });
    await self.start();
    await self.publish('invoice.due', { n: 1 });
    await until(() => charge.attempts.length === 2, 'the delayed try');
    expect(charge.attempts).toEqual([1, 2]);
    await sleep(50);
    expect(charge.attempts).toEqual([1, 2]);
  });

  it('dead-letters at once, as unrecoverable, on UnrecoverableError or retryIf false', async () => {
    const broker = memoryBroker();
    const consumer = bus(broker, { service: 'billing' });
    const tries: string[] = [];
    consumer.on('invoice.due', () => {
      tries.push('unrecoverable');
      throw new UnrecoverableError('no such customer');
    }, { retry: { attempts: 5, delays: [10] } });
    consumer.on('order.placed', (_order, meta) => {
      tries.push(`filtered ${meta.attempt}`);
      throw new TypeError('bad data');
    }, { retry: { attempts: 5, delays: [10], retryIf: (error) => !(error instanceof TypeError) } });
    const publisher = bus(broker, { service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    await publisher.publish('invoice.due', { n: 1 });
    await publisher.publish('order.placed', { id: 'o1', customer: 'c1' });
    await until(() => broker.deadLetters().length === 2, 'both dead letters');
    expect(tries.sort()).toEqual(['filtered 1', 'unrecoverable']);
    for (const dead of broker.deadLetters()) expect(dead.properties.headers).toMatchObject({ [Header.deadReason]: 'unrecoverable', [Header.deadAttempts]: 1 });
    expect(consumer.stats().delayed).toBe(0);
  });
});

describe('concurrency and ordering', () => {
  it('runs at most `concurrency` calls of a handler at once', async () => {
    const broker = memoryBroker();
    const consumer = bus(broker, { service: 'db', prefetch: 50 });
    let running = 0;
    let most = 0;
    let done = 0;
    consumer.on('invoice.due', async () => {
      most = Math.max(most, ++running);
      await sleep(5);
      running--;
      done++;
    }, { concurrency: 3 });
    const publisher = bus(broker, { service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    await Promise.all(Array.from({ length: 20 }, (_, n) => publisher.publish('invoice.due', { n })));
    await until(() => done === 20, 'every event');
    expect(most).toBe(3);
  });

  it('handles one key at a time, in order, other keys alongside; a failing event holds its key back', async () => {
    const broker = memoryBroker();
    const consumer = bus(broker, { service: 'orders', prefetch: 50 });
    const log: string[] = [];
    let failedOnce = false;
    consumer.on('order.placed', async (order, meta) => {
      log.push(`start ${order.id}`);
      if (order.id === 'a1' && !failedOnce) {
        failedOnce = true;
        await sleep(20);
        throw new Error('transient');
      }
      await sleep(order.customer === 'a' ? 10 : 1);
      log.push(`end ${order.id}#${meta.attempt}`);
    }, { group: true, orderBy: (order) => order.customer, retry: { attempts: 2, initialDelayMs: 1 } });
    const publisher = bus(broker, { service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    for (const [id, customer] of [['a1', 'a'], ['b1', 'b'], ['a2', 'a'], ['b2', 'b'], ['a3', 'a']] as const) {
      await publisher.publish('order.placed', { id, customer });
    }
    await until(() => log.filter((line) => line.startsWith('end')).length === 5, 'every order');
    const ends = (customer: string) => log.filter((line) => line.startsWith(`end ${customer}`));
    expect(ends('a')).toEqual(['end a1#2', 'end a2#1', 'end a3#1']);
    expect(ends('b')).toEqual(['end b1#1', 'end b2#1']);
    // a2 did not start before a1 was handled; b went on meanwhile.
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1#2'));
    expect(log.indexOf('end b2#1')).toBeLessThan(log.indexOf('end a1#2'));
  });

  it("orders by the publisher's key when orderBy gives none", async () => {
    const broker = memoryBroker();
    const consumer = bus(broker, { service: 'orders' });
    const keys: Array<string | undefined> = [];
    consumer.on('invoice.due', (_payload, meta) => void keys.push(meta.key), { group: true, orderBy: () => undefined as unknown as string });
    const publisher = bus(broker, { service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    await publisher.publish('invoice.due', { n: 1 }, { key: 'customer-9' });
    await until(() => keys.length === 1, 'the event');
    expect(keys).toEqual(['customer-9']);
  });
});

describe('circuit breaker (memory transport)', () => {
  it('pauses the queue at the failure ratio, reports it, probes after pauseMs and resumes once a call succeeds', async () => {
    const broker = memoryBroker();
    const statuses: StatusChange[] = [];
    const failures: FailureReport[] = [];
    const consumer = bus(broker, { service: 'billing', prefetch: 1, onError: (f) => void failures.push(f) });
    let dependencyUp = false;
    const handled: number[] = [];
    consumer.on('invoice.due', function charge({ n }) {
      if (!dependencyUp) throw new Error('payments down');
      handled.push(n);
    }, { group: true, retry: { attempts: 1, delays: [10_000] }, circuitBreaker: { minCalls: 3, failureRatio: 0.5, pauseMs: 150, windowMs: 10_000 } });
    consumer.onStatus((change) => void statuses.push(change));
    const publisher = bus(broker, { service: 'api' });
    await Promise.all([consumer.start(), publisher.start()]);
    for (let n = 0; n < 10; n++) await publisher.publish('invoice.due', { n });
    await until(() => consumer.health().handlers[0]?.status === 'paused', 'the pause');
    expect(consumer.stats().paused).toBe(1);
    expect(failures.some((failure) => failure.kind === 'circuit-breaker')).toBe(true);
    const delayedWhilePausing = consumer.stats().delayed;
    await sleep(60);
    // Paused: nothing more is taken from the queue.
    expect(consumer.stats().delayed).toBe(delayedWhilePausing);
    dependencyUp = true;
    await until(() => consumer.health().handlers[0]?.status === 'running', 'the resume');
    await until(() => handled.length === 10 - delayedWhilePausing, 'the events left in the queue');
    expect(statuses.filter((change) => change.kind === 'handler').map((change) => change.status)).toEqual(['paused', 'running']);
    expect(broker.deadLetters()).toEqual([]);
  });
});
