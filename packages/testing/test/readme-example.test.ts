import { createBus, memory, memoryBroker } from '@remit/core';
import { testHarness } from '@remit/testing';
import { expect, it } from 'vitest'; // or jest's globals

type Events = { 'order.placed': { id: string }; 'invoice.created': { order: string } };
type Requests = { 'customer.email': { request: { order: string }; response: string } };

function services() {
  const broker = memoryBroker(); // or amqp({ url }) for each bus: the harness works the same
  const shop = createBus<Events, Requests>({ service: 'shop', transport: memory(broker) });
  const billing = createBus<Events, Requests>({ service: 'billing', transport: memory(broker) });
  const crm = createBus<Events, Requests>({ service: 'crm', transport: memory(broker) });
  billing.on('order.placed', (order) => billing.publish('invoice.created', { order: order.id }), { group: true });
  billing.on('invoice.created', async (invoice) => void (await billing.request('customer.email', { order: invoice.order })));
  crm.handle('customer.email', ({ order }) => `${order}@example.com`);
  return [shop, billing, crm] as const;
}

it('invoices an order and asks crm for the address', async () => {
  const [shop, billing, crm] = services();
  await Promise.all([shop.start(), billing.start(), crm.start()]);
  const session = await testHarness([shop, billing, crm]).publishAndWait(shop, 'order.placed', { id: 'o-1' });
  expect(session.published.map((event) => event.name)).toEqual(['order.placed', 'invoice.created']);
  expect(session.requested[0]?.reply).toBe('o-1@example.com');
});
