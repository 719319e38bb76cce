import { describe, expect, it } from 'vitest';
import { DeliveryLimit } from '../src/events/delivery-limit.js';
import { CircuitBreaker } from '../src/policies/circuit-breaker.js';
import { consumePrefetch, QueueGate } from '../src/policies/queue-gate.js';
import type { QueueRole } from '../src/events/dispatcher.js';
import type { Delivery } from '../src/transport.js';

const ROLE: QueueRole = { kind: 'broadcast' };

/** A stand-in delivery: the limit only hands it on (`stale`: its channel has closed). */
function delivery(n: number, stale = false): Delivery {
  return { queue: 'q', redelivered: false, stale, message: { routingKey: String(n), body: Buffer.alloc(0), properties: { headers: {} } }, ack() {}, requeue() {} };
}

/** Handling whose end each test decides: `finish(n)` settles delivery n. */
function controlled(sync: (n: number) => boolean = () => false) {
  const started: number[] = [];
  const finishers = new Map<number, (error?: Error) => void>();
  const handle = (d: Delivery): Promise<void> | undefined => {
    const n = Number(d.message.routingKey);
    started.push(n);
    if (sync(n)) return undefined;
    return new Promise<void>((resolve, reject) => finishers.set(n, (error) => (error ? reject(error) : resolve())));
  };
  return { started, handle, finish: (n: number, error?: Error) => finishers.get(n)?.(error) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('DeliveryLimit', () => {
  it('runs at most `limit` deliveries at once and starts the waiting ones in arrival order', async () => {
    const { started, handle, finish } = controlled();
    const limit = new DeliveryLimit(2, handle);
    const done = [0, 1, 2, 3, 4].map((n) => limit.run(delivery(n), ROLE));
    expect(started).toEqual([0, 1]);
    finish(1);
    await tick();
    expect(started).toEqual([0, 1, 2]);
    finish(0);
    finish(2);
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    finish(3);
    finish(4);
    await Promise.all(done);
  });

  it('never counts a delivery handled synchronously, even one that waited', async () => {
    const { started, handle, finish } = controlled((n) => n >= 2);
    const limit = new DeliveryLimit(1, handle);
    expect(limit.run(delivery(0), ROLE)).toBeInstanceOf(Promise);
    const waiting = [1, 2, 3].map((n) => limit.run(delivery(n), ROLE));
    expect(started).toEqual([0]);
    finish(0);
    await tick();
    // 1 is asynchronous and takes the slot; 2 and 3 wait behind it, in order.
    expect(started).toEqual([0, 1]);
    finish(1);
    await Promise.all(waiting);
    expect(started).toEqual([0, 1, 2, 3]);
    // Nothing is running: a synchronous delivery goes through at once, without a promise.
    expect(limit.run(delivery(4), ROLE)).toBeUndefined();
  });

  it('passes a failure to its delivery only, and frees the slot', async () => {
    const { started, handle, finish } = controlled();
    const limit = new DeliveryLimit(1, handle);
    const first = limit.run(delivery(0), ROLE);
    const second = limit.run(delivery(1), ROLE);
    finish(0, new Error('handler broke'));
    await expect(first).rejects.toThrow('handler broke');
    await tick();
    expect(started).toEqual([0, 1]);
    finish(1);
    await expect(second).resolves.toBeUndefined();
  });

  it('leaves waiting deliveries, and later ones, unhandled once the consumer closes; running ones finish', async () => {
    const { started, handle, finish } = controlled();
    const limit = new DeliveryLimit(1, handle);
    const running = limit.run(delivery(0), ROLE);
    const waiting = [1, 2].map((n) => limit.run(delivery(n), ROLE));
    limit.close();
    await Promise.all(waiting);
    // One that arrives before the consumer's cancel takes effect.
    expect(limit.run(delivery(3), ROLE)).toBeUndefined();
    finish(0);
    await running;
    await tick();
    expect(started).toEqual([0]);
  });

  it('skips a waiting delivery whose channel closed while it waited (the broker requeued it)', async () => {
    const { started, handle, finish } = controlled();
    const limit = new DeliveryLimit(1, handle);
    const running = limit.run(delivery(0), ROLE);
    const waiting = [limit.run(delivery(1, true), ROLE), limit.run(delivery(2), ROLE)];
    finish(0);
    await running;
    await tick();
    expect(started).toEqual([0, 2]);
    finish(2);
    await Promise.all(waiting);
  });

  it('turns a synchronous throw into a rejection, so it never reaches the consumer callback', async () => {
    const limit = new DeliveryLimit(1, () => {
      throw new Error('thrown at once');
    });
    await expect(limit.run(delivery(0), ROLE)).rejects.toThrow('thrown at once');
  });
});

describe('consumePrefetch', () => {
  it('is the bus prefetch, 1 while a breaker probes, and at most queueConcurrency under a breaker', () => {
    const gate = new QueueGate(() => {});
    expect(consumePrefetch('running', gate, 250, 100)).toBe(250);
    gate.add(new CircuitBreaker({ failureRatio: 0.5, minCalls: 5, windowMs: 1000, pauseMs: 1000 }, () => {}));
    expect(consumePrefetch('running', gate, 250, 100)).toBe(100);
    expect(consumePrefetch('running', gate, 20, 100)).toBe(20);
    expect(consumePrefetch('probing', gate, 250, 100)).toBe(1);
  });
});
