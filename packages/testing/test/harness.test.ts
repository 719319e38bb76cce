import { type Bus, type BusOptions, ConfigError, createBus, type MemoryBroker, memory, memoryBroker, RemoteError } from '@remit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { testHarness, TrackingTimeoutError } from '../src/index.js';

type Events = {
  'order.placed': { id: string; cents: number };
  'invoice.created': { order: string; cents: number };
  'invoice.mailed': { order: string; to: string };
  'stock.low': { sku: string };
};
type Requests = {
  'customer.email': { request: { order: string }; response: { email: string } };
};

const open: Bus<Events, Requests>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((bus) => bus.close()));
});

function bus(broker: MemoryBroker, service: string, options: Partial<BusOptions> = {}): Bus<Events, Requests> {
  const created = createBus<Events, Requests>({
    service,
    transport: memory(broker),
    retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
    onError: () => {},
    ...options,
  });
  open.push(created);
  return created;
}

/** A promise the test settles by hand. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** Lets every queued macrotask and microtask run a few times (the memory broker delivers on setImmediate). */
async function turns(count = 20): Promise<void> {
  for (let n = 0; n < count; n++) await new Promise((resolve) => setImmediate(resolve));
}

/** shop publishes orders; billing invoices them (group) and asks crm for the email, then mails it (broadcast). */
function shopBillingCrm(broker: MemoryBroker) {
  const shop = bus(broker, 'shop');
  const billing = bus(broker, 'billing');
  const crm = bus(broker, 'crm');
  billing.on(
    'order.placed',
    async function invoice(order) {
      await billing.publish('invoice.created', { order: order.id, cents: order.cents });
    },
    { group: true },
  );
  billing.on('invoice.created', async function mail(invoice) {
    const { email } = await billing.request('customer.email', { order: invoice.order });
    await billing.publish('invoice.mailed', { order: invoice.order, to: email });
  });
  crm.handle('customer.email', async ({ order }) => ({ email: `${order}@example.com` }));
  return { shop, billing, crm };
}

describe('publishAndWait on the memory transport', () => {
  it('waits for the whole cascade: a group handler publishes, whose handler requests and publishes again', async () => {
    const broker = memoryBroker();
    const { shop, billing, crm } = shopBillingCrm(broker);
    await Promise.all([shop.start(), billing.start(), crm.start()]);
    const h = testHarness([shop, billing, crm]);

    const session = await h.publishAndWait(shop, 'order.placed', { id: 'o-1', cents: 1250 });

    expect(session.published.map((event) => `${event.name} by ${event.bus.service}`)).toEqual([
      'order.placed by shop',
      'invoice.created by billing',
      'invoice.mailed by billing',
    ]);
    expect(session.published[0]?.payload).toEqual({ id: 'o-1', cents: 1250 });
    expect(session.requested).toHaveLength(1);
    expect(session.requested[0]).toMatchObject({ name: 'customer.email', reply: { email: 'o-1@example.com' }, error: undefined });
    expect(session.handled.map((handling) => `${handling.name} on ${handling.bus.service}`).sort()).toEqual([
      'invoice.created on billing',
      'order.placed on billing',
    ]);
    expect(session.failed).toEqual([]);
    expect(session.deadLettered).toEqual([]);
    // Nothing is left running: the harness was exact, not early.
    await h.idle({ timeoutMs: 1 });
  });

  it('does not resolve while a handler it caused is still running, and resolves once it returns', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, 'shop');
    const billing = bus(broker, 'billing');
    const started = deferred();
    const release = deferred();
    billing.on('invoice.created', async () => {
      started.resolve();
      await release.promise;
    });
    shop.on('order.placed', async (order) => {
      // Not awaited: a handler that fires and forgets is still tracked.
      void shop.publish('invoice.created', { order: order.id, cents: order.cents });
    });
    await Promise.all([shop.start(), billing.start()]);
    const h = testHarness([shop, billing]);
    let settled = false;
    const waiting = h.publishAndWait(shop, 'order.placed', { id: 'o-2', cents: 1 }).then((session) => {
      settled = true;
      return session;
    });
    await started.promise;
    await turns();
    expect(settled).toBe(false);
    release.resolve();
    const session = await waiting;
    expect(session.handled.map((handling) => `${handling.name} on ${handling.bus.service} from ${handling.queue}`)).toEqual([
      `order.placed on shop from shop:${shop.instanceId}:local`,
      `invoice.created on billing from remit.instance.billing.${billing.instanceId}`,
    ]);
  });

  it('counts a broadcast event once per listening bus and a group event once per group', async () => {
    const broker = memoryBroker();
    const publisher = bus(broker, 'shop');
    const listeners = [bus(broker, 'mail'), bus(broker, 'mail'), bus(broker, 'audit')];
    for (const listener of listeners) {
      listener.on('stock.low', function hear() {});
      listener.on('stock.low', function reorder() {}, { group: true });
    }
    await Promise.all([publisher.start(), ...listeners.map((listener) => listener.start())]);
    const h = testHarness([publisher, ...listeners]);
    const session = await h.publishAndWait(publisher, 'stock.low', { sku: 'A-1' });
    const queues = session.handled.map((handling) => handling.queue);
    // Three broadcast queues, one per listener; two group queues (mail, audit), each handled once.
    expect(queues.filter((queue) => queue.startsWith('remit.instance.'))).toHaveLength(3);
    expect(queues.filter((queue) => queue.startsWith('remit.group.')).sort()).toEqual(['remit.group.audit', 'remit.group.mail']);
  });

  it('records retries that succeed as handled, and a handler that keeps failing as failed and dead-lettered', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, 'shop');
    const billing = bus(broker, 'billing');
    let tries = 0;
    billing.on('order.placed', function flaky() {
      tries++;
      if (tries < 3) throw new Error(`try ${tries} failed`);
    });
    billing.on('invoice.created', function broken() {
      throw new Error('mail server down');
    });
    await Promise.all([shop.start(), billing.start()]);
    const h = testHarness([shop, billing]);

    const retried = await h.publishAndWait(shop, 'order.placed', { id: 'o-3', cents: 5 });
    expect(tries).toBe(3);
    expect(retried.handled.map((handling) => handling.name)).toEqual(['order.placed']);
    expect(retried.failed).toEqual([]);

    const failed = await h.publishAndWait(shop, 'invoice.created', { order: 'o-3', cents: 5 });
    expect(failed.handled).toEqual([]);
    expect(failed.failed).toHaveLength(1);
    expect(failed.failed[0]).toMatchObject({ name: 'invoice.created', kind: 'handler', handler: 'broken', attempts: 3, payload: { order: 'o-3', cents: 5 } });
    expect(failed.failed[0]?.error.message).toBe('mail server down');
    expect(failed.deadLettered).toHaveLength(1);
    expect(failed.deadLettered[0]).toMatchObject({ name: 'invoice.created', reason: 'handler-failed', handler: 'broken', payload: { order: 'o-3', cents: 5 } });
    expect(failed.deadLettered[0]?.bus).toBe(billing);
    expect(broker.deadLetters()).toHaveLength(1);
  });

  it('waits for a request whose handler throws, and records the RemoteError and the failure', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, 'shop');
    const crm = bus(broker, 'crm');
    crm.handle('customer.email', function lookUp() {
      throw new Error('no such customer');
    });
    shop.on('order.placed', async (order) => {
      await shop.request('customer.email', { order: order.id }).catch(() => {});
    });
    await Promise.all([shop.start(), crm.start()]);
    const h = testHarness([shop, crm]);
    const session = await h.publishAndWait(shop, 'order.placed', { id: 'o-4', cents: 1 });
    expect(session.requested[0]?.error).toBeInstanceOf(RemoteError);
    expect(session.failed).toMatchObject([{ name: 'customer.email', kind: 'request', handler: 'lookUp', bus: crm }]);
  });

  it('works with buses given handlers and started after the harness was made, and with handlers added after start()', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, 'shop');
    const billing = bus(broker, 'billing');
    const h = testHarness([shop, billing]);
    await Promise.all([shop.start(), billing.start()]);
    // Added now: the group's consumer is still being set up when publishAndWait is called.
    billing.on('order.placed', async (order) => void (await billing.publish('invoice.created', { order: order.id, cents: 1 })), { group: true });
    shop.on('invoice.created', () => {});
    const session = await h.publishAndWait(shop, 'order.placed', { id: 'o-5', cents: 1 });
    expect(session.handled.map((handling) => `${handling.name} on ${handling.bus.service}`)).toEqual([
      'order.placed on billing',
      'invoice.created on shop',
    ]);
  });

  it('rejects after timeoutMs naming the handler still running, and idle() waits for it to end', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, 'shop');
    const billing = bus(broker, 'billing');
    const release = deferred();
    billing.on('order.placed', async function stuck() {
      await release.promise;
    });
    await Promise.all([shop.start(), billing.start()]);
    const h = testHarness([shop, billing], { timeoutMs: 200 });
    const error = await h.publishAndWait(shop, 'order.placed', { id: 'o-6', cents: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrackingTimeoutError);
    const timeout = error as TrackingTimeoutError;
    expect(timeout.message).toContain('publishAndWait("order.placed") did not settle within 200 ms');
    expect(timeout.running.join('\n')).toMatch(/handlers of "order\.placed" \(\w{8}\) on billing\/[\w-]+, from queue remit\.instance\.billing\./);
    expect(timeout.session.published.map((event) => event.name)).toEqual(['order.placed']);
    const idle = h.idle();
    release.resolve();
    await idle;
  });

  it('does not wait for queues no running bus of the harness consumes: the event stays there', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, 'shop');
    const billing = bus(broker, 'billing', { instanceId: 'billing-1' });
    const invoiced: string[] = [];
    billing.on('invoice.created', (invoice) => void invoiced.push(invoice.order), { group: true });
    await Promise.all([shop.start(), billing.start()]);
    // Cancels the group consumer and keeps the group's queue, as on RabbitMQ.
    await billing.close();
    const h = testHarness([shop, billing]);
    const session = await h.publishAndWait(shop, 'invoice.created', { order: 'o-7', cents: 1 });
    expect(session.published.map((event) => event.name)).toEqual(['invoice.created']);
    expect(session.handled).toEqual([]);
    expect(broker.queueNames()).toContain('remit.group.billing');

    expect(invoiced).toEqual([]);
  });

  it('tracks any action with track(), returning its result', async () => {
    const broker = memoryBroker();
    const { shop, billing, crm } = shopBillingCrm(broker);
    await Promise.all([shop.start(), billing.start(), crm.start()]);
    const h = testHarness([shop, billing, crm]);
    const { result, published } = await h.track(async () => {
      await billing.publish('invoice.created', { order: 'o-8', cents: 3 });
      return 'done';
    });
    expect(result).toBe('done');
    expect(published.map((event) => event.name)).toEqual(['invoice.created', 'invoice.mailed']);
  });

  it('checks its arguments: a bus that is not in the harness, no bus, a bad timeout', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, 'shop');
    const other = bus(broker, 'other');
    const h = testHarness([shop]);
    expect(() => h.publishAndWait(other, 'order.placed', { id: 'x', cents: 1 })).toThrow(ConfigError);
    expect(() => testHarness([])).toThrow(/buses/);
    expect(() => testHarness([{} as Bus])).toThrow(/buses\[0\]/);
    expect(() => testHarness([shop], { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => testHarness([shop], { wait: 1 } as never)).toThrow(/wait/);
  });

  it('stops observing on close(): the bus goes on without it', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, 'shop');
    const seen: string[] = [];
    shop.on('order.placed', (order) => void seen.push(order.id));
    await shop.start();
    const h = testHarness([shop]);
    await h.publishAndWait(shop, 'order.placed', { id: 'o-9', cents: 1 });
    h.close();
    h.close();
    await shop.publish('order.placed', { id: 'o-10', cents: 1 });
    expect(seen).toEqual(['o-9', 'o-10']);
  });
});
