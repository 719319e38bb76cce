import { Test } from '@nestjs/testing';
import { RemitModule, EventBus } from '@remit/nestjs';
import { testHarness } from '@remit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { unique } from '../helpers/broker.js';
import { OrderHandlers } from '../../examples/nestjs/src/order.handlers.js';
import { OrdersController } from '../../examples/nestjs/src/orders.controller.js';
import { NestApps } from './nest-apps.js';

let apps: NestApps;
afterEach(async () => {
  await apps.cleanup();
});

/** One instance of examples/nestjs in a Nest testing module: its controller and handlers, on this test's exchange. */
async function instance(service: string, instanceId: string) {
  const testing = await Test.createTestingModule({
    imports: [RemitModule.forRoot({ ...apps.options(service), instanceId })],
    controllers: [OrdersController],
    providers: [OrderHandlers],
  }).compile();
  // The example logs every order it hears; the test reads the harness's session instead.
  const app = testing.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('examples/nestjs in Nest testing modules, with @remit/testing', () => {
  it('an order placed on one instance is heard by both and reserved once: the harness waits for all of it', async () => {
    apps = new NestApps();
    const service = unique('orders');
    apps.topology.track(apps.topology.groupQueue(service));
    const [first, second] = [await instance(service, 'orders-1'), await instance(service, 'orders-2')];
    try {
      const h = testHarness([first.get(EventBus), second.get(EventBus)]);
      const { result, published, handled } = await h.track(() => first.get(OrdersController).place({ item: 'book', quantity: 2 }));

      expect(result.publishedBy).toBe('orders-1');
      expect(published.map((event) => [event.name, event.payload])).toEqual([
        ['order.placed', { id: result.id, item: 'book', quantity: 2, placedAt: expect.any(Date), placedOn: 'orders-1' }],
      ]);
      // audit runs on both instances (the publisher's own run is local); reserveStock, a group handler, on one.
      const where = handled.map((handling) => `${handling.bus.instanceId} ${handling.queue.replace(apps.topology.groupQueue(service), 'GROUP').replace(service, 'SERVICE')}`);
      expect(where.filter((line) => !line.includes('GROUP')).sort()).toEqual(['orders-1 SERVICE:orders-1:local', 'orders-2 remit.instance.SERVICE.orders-2']);
      expect(where.filter((line) => line.includes('GROUP'))).toEqual([expect.stringMatching(/^orders-[12] GROUP$/)]);

      // publishAndWait with the injected EventBus, typed by the example's event map.
      const bus: EventBus<import('../../examples/nestjs/src/events.js').Events> = second.get(EventBus);
      const direct = await h.publishAndWait(bus, 'order.placed', { id: 'B-1', item: 'pen', quantity: 1, placedAt: new Date(), placedOn: 'test' });
      expect(direct.handled).toHaveLength(3);
      // Checked at compile time against the event map (never called).
      // @ts-expect-error quantity is a number in the example's Events
      const wrong = () => h.publishAndWait(bus, 'order.placed', { id: 'B-2', item: 'pen', quantity: '1', placedAt: new Date(), placedOn: 'test' });
      void wrong;
    } finally {
      await Promise.all([apps.close(first), apps.close(second)]);
    }
  });
});
