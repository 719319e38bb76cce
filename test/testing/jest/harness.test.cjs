// A jest test as a team writes one: CommonJS, @remit/core and @remit/testing from their CommonJS
// builds, no sleeping. test/testing/jest.test.ts runs it with jest, on the memory transport and on
// the RabbitMQ at AMQP_URL (on names it passes in REMIT_TEST_NAMES and deletes afterwards).
const { amqp, createBus, memory, memoryBroker } = require('@remit/core');
const { testHarness } = require('@remit/testing');

const names = JSON.parse(process.env.REMIT_TEST_NAMES);

/** billing invoices each order (a group); the mailer asks crm for the address and mails the invoice. */
function system(transport) {
  const shop = createBus({ service: 'shop', transport: transport() });
  const billing = createBus({ service: 'billing', transport: transport() });
  const crm = createBus({ service: names.crm, transport: transport() });
  billing.on('order.placed', (order) => billing.publish('invoice.created', { order: order.id }), { group: names.group });
  billing.on('invoice.created', async (invoice) => {
    const { email } = await billing.request('customer.email', { order: invoice.order });
    await billing.publish('invoice.mailed', { order: invoice.order, to: email });
  });
  crm.handle('customer.email', ({ order }) => ({ email: `${order}@example.com` }));
  return [shop, billing, crm];
}

describe.each([
  ['the memory transport', () => { const broker = memoryBroker(); return () => memory(broker); }],
  ['RabbitMQ', () => () => amqp({ url: process.env.AMQP_URL, exchange: names.exchange, deadLetter: names.deadLetter })],
])('@remit/testing under jest, on %s', (_transport, transports) => {
  let buses = [];
  afterEach(() => Promise.all(buses.map((bus) => bus.close())));

  test('publishAndWait resolves once the invoice is mailed', async () => {
    buses = system(transports());
    const [shop] = buses;
    await Promise.all(buses.map((bus) => bus.start()));
    const h = testHarness(buses);
    const session = await h.publishAndWait(shop, 'order.placed', { id: 'o-1', at: new Date(0) });
    expect(session.published.map((event) => event.name)).toEqual(['order.placed', 'invoice.created', 'invoice.mailed']);
    expect(session.requested.map((request) => request.reply)).toEqual([{ email: 'o-1@example.com' }]);
    expect(session.published[0].payload.at).toEqual(new Date(0));
  });
});
