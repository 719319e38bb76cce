import { type Bus, RemoteError } from '@remit/core';
import { testHarness } from '@remit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { drainQueue, withRawChannel } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

type Events = {
  'order.placed': { id: string; cents: number; at: Date };
  'invoice.created': { order: string; cents: number };
  'invoice.mailed': { order: string; to: string };
};
type Requests = { 'customer.email': { request: { order: string }; response: { email: string } } };

let topology: TestTopology;
afterEach(async () => {
  await topology.cleanup();
});

function bus(service: string, options: { instanceId?: string } = {}): Bus<Events, Requests> {
  return topology.bus<Events>({ service, onError: () => {}, ...options }) as unknown as Bus<Events, Requests>;
}

describe('the test harness on RabbitMQ', () => {
  it('publishAndWait resolves once a group handler, the request its follow-up made and the last event have all settled', async () => {
    topology = new TestTopology();
    const group = topology.group('billing');
    const shop = bus('shop');
    const billing = [bus('billing'), bus('billing')];
    const mailer = bus('mailer');
    const crm = bus('crm');
    topology.track('remit.requests.crm');
    const h = testHarness([shop, ...billing, mailer, crm]);
    // Handlers registered after the harness was made, and before start().
    for (const instance of billing) {
      instance.on('order.placed', async (order) => void (await instance.publish('invoice.created', { order: order.id, cents: order.cents })), {
        group,
      });
    }
    mailer.on('invoice.created', async (invoice) => {
      const { email } = await mailer.request('customer.email', { order: invoice.order });
      await mailer.publish('invoice.mailed', { order: invoice.order, to: email });
    });
    crm.handle('customer.email', async ({ order }) => ({ email: `${order}@example.com` }));
    await Promise.all([shop, ...billing, mailer, crm].map((each) => each.start()));

    const session = await h.publishAndWait(shop, 'order.placed', { id: 'o-1', cents: 1250, at: new Date('2026-01-02T03:04:05Z') });

    expect(session.published.map((event) => `${event.name} by ${event.bus.service}`)).toEqual([
      'order.placed by shop',
      'invoice.created by billing',
      'invoice.mailed by mailer',
    ]);
    expect(session.published[0]?.payload).toEqual({ id: 'o-1', cents: 1250, at: new Date('2026-01-02T03:04:05Z') });
    // The group handled it once, on one of its two instances; the mailer's broadcast handler once.
    expect(session.handled.map((handling) => `${handling.name} from ${handling.queue}`)).toEqual([
      `order.placed from ${topology.groupQueue(group)}`,
      `invoice.created from remit.instance.mailer.${mailer.instanceId}`,
    ]);
    expect(session.requested.map((request) => [request.name, request.reply])).toEqual([['customer.email', { email: 'o-1@example.com' }]]);
    await h.idle({ timeoutMs: 1 });
  });

  it('waits for in-process retries, then records the failure and the dead letter; a request handler that throws is a failure too', async () => {
    topology = new TestTopology();
    const shop = bus('shop');
    const crm = bus('crm');
    topology.track('remit.requests.crm');
    let tries = 0;
    crm.on('order.placed', function chargeCard() {
      tries++;
      throw new Error('card declined');
    });
    crm.handle('customer.email', function lookUp() {
      throw new Error('no such customer');
    });
    await Promise.all([shop.start(), crm.start()]);
    const h = testHarness([shop, crm]);

    const session = await h.publishAndWait(shop, 'order.placed', { id: 'o-2', cents: 1, at: new Date() });
    expect(tries).toBe(3);
    expect(session.failed.map((failure) => `${failure.handler}: ${failure.error.message} after ${failure.attempts}`)).toEqual([
      'chargeCard: card declined after 3',
    ]);
    expect(session.deadLettered).toMatchObject([{ name: 'order.placed', reason: 'handler-failed', handler: 'chargeCard', payload: { id: 'o-2' } }]);
    const dead = await withRawChannel((channel) => drainQueue(channel, topology.deadLetter));
    expect(dead.map((message) => message.properties.type)).toEqual(['order.placed']);

    const asked = await h.track(() => shop.request('customer.email', { order: 'o-2' }).catch((error: unknown) => error));
    expect(asked.result).toBeInstanceOf(RemoteError);
    expect(asked.requested[0]?.error).toBeInstanceOf(RemoteError);
    expect(asked.failed).toMatchObject([{ kind: 'request', name: 'customer.email', handler: 'lookUp', bus: crm }]);
  });
});
