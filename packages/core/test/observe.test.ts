import { describe, expect, it, vi } from 'vitest';
import { type BusActivity, ConfigError, memoryBroker } from '../src/index.js';
import { memoryBuses } from './memory-buses.js';

type Events = { 'order.placed': { id: string }; 'invoice.created': { order: string } };
type Requests = { 'customer.email': { request: { order: string }; response: string } };

const bus = memoryBuses<Events, Requests>({ retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 }, onError: () => {} });

/** Collects what a bus reports, each activity with how its `done` settled. */
function recorder() {
  const seen: { kind: string; what: string; settled?: unknown }[] = [];
  const observer = (activity: BusActivity) => {
    const what =
      activity.kind === 'send' || activity.kind === 'handle'
        ? activity.event.name
        : activity.kind === 'request' || activity.kind === 'serve'
          ? activity.request.name
          : activity.kind === 'failure'
            ? activity.report.kind
            : activity.name;
    const entry: { kind: string; what: string; settled?: unknown } = { kind: activity.kind, what };
    seen.push(entry);
    if ('done' in activity) {
      activity.done.then(
        (value: unknown) => (entry.settled = value === undefined || typeof value === 'boolean' || typeof value === 'string' ? value : 'value'),
        (error: unknown) => (entry.settled = error instanceof Error ? error.name : 'rejected'),
      );
    }
  };
  return { seen, observer };
}

describe('bus.observe()', () => {
  it('reports a publish, its send, the local and delivered handler runs, the deliveries and their acks, each with how it ended', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, { service: 'shop' });
    const billing = bus(broker, { service: 'billing' });
    shop.on('order.placed', () => {});
    billing.on('order.placed', () => {}, { group: true });
    await Promise.all([shop.start(), billing.start()]);
    const atShop = recorder();
    const atBilling = recorder();
    shop.observe(atShop.observer);
    billing.observe(atBilling.observer);
    await shop.publish('order.placed', { id: 'o-1' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(atShop.seen).toEqual([
      { kind: 'handle', what: 'order.placed', settled: 'handled' },
      { kind: 'send', what: 'order.placed', settled: undefined },
      { kind: 'publish', what: 'order.placed', settled: undefined },
      // The broker copy of its own event: acknowledged without running handlers.
      { kind: 'delivery', what: 'order.placed', settled: true },
    ]);
    expect(atBilling.seen).toEqual([
      { kind: 'delivery', what: 'order.placed', settled: true },
      { kind: 'handle', what: 'order.placed', settled: 'handled' },
    ]);
  });

  it('reports requests and the requests served, failures and dead letters', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, { service: 'shop' });
    const crm = bus(broker, { service: 'crm' });
    crm.handle('customer.email', ({ order }) => `${order}@example.com`);
    crm.on('invoice.created', function refuse() {
      throw new Error('no');
    });
    await Promise.all([shop.start(), crm.start()]);
    const atShop = recorder();
    const atCrm = recorder();
    shop.observe(atShop.observer);
    crm.observe(atCrm.observer);
    expect(await shop.request('customer.email', { order: 'o-2' })).toBe('o-2@example.com');
    await shop.publish('invoice.created', { order: 'o-2' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(atShop.seen.filter((entry) => entry.kind === 'request')).toEqual([{ kind: 'request', what: 'customer.email', settled: 'o-2@example.com' }]);
    expect(atCrm.seen.map((entry) => `${entry.kind} ${entry.what}`)).toEqual([
      'serve customer.email',
      'delivery invoice.created',
      'handle invoice.created',
      'failure handler',
      'dead-letter invoice.created',
    ]);
    expect(atCrm.seen.find((entry) => entry.kind === 'handle')?.settled).toBe('dead-lettered');
  });

  it('answers receivers(): the broadcast queue and each group queue consumed, each with a ready promise', async () => {
    const broker = memoryBroker();
    const billing = bus(broker, { service: 'billing', instanceId: 'billing-1' });
    const observation = billing.observe(() => {});
    expect(observation.receivers('order.placed')).toEqual([]);
    billing.on('order.placed', () => {});
    billing.on('order.placed', () => {}, { group: 'invoicing' });
    await billing.start();
    const receivers = observation.receivers('order.placed');
    expect(receivers.map((receiver) => receiver.queue)).toEqual(['remit.instance.billing.billing-1', 'remit.group.invoicing']);
    await Promise.all(receivers.map((receiver) => receiver.ready));
    observation.stop();
    observation.stop();
  });

  it('goes on when an observer throws (a process warning says so), and stops reporting once stopped', async () => {
    const broker = memoryBroker();
    const shop = bus(broker, { service: 'shop' });
    const heard: string[] = [];
    shop.on('order.placed', (order) => void heard.push(order.id));
    await shop.start();
    // Checked here and kept off the test output.
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const observation = shop.observe(() => {
        throw new Error('observer bug');
      });
      await shop.publish('order.placed', { id: 'o-3' });
      observation.stop();
      await shop.publish('order.placed', { id: 'o-4' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(heard).toEqual(['o-3', 'o-4']);
      const warned = warn.mock.calls.map(([message]) => String(message));
      expect(warned.length).toBeGreaterThan(0);
      expect(warned.every((message) => message.includes('observer bug'))).toBe(true);
      await shop.publish('order.placed', { id: 'o-5' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warn.mock.calls).toHaveLength(warned.length);
    } finally {
      warn.mockRestore();
    }
    expect(() => shop.observe('nope' as never)).toThrow(ConfigError);
  });
});
