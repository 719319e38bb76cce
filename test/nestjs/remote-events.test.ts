import 'reflect-metadata';
import { Body, Controller, Injectable, Module, Post, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { EventMeta } from '@remit/core';
import { createOnRemoteEvent, EventBus, RemitModule } from '@remit/nestjs';
import { testHarness } from '@remit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { NestApps, settle } from './nest-apps.js';

type Events = { 'order.placed': { id: string; total: bigint; at: Date } };
const OnEvents = createOnRemoteEvent<Events>();

let apps: NestApps;
afterEach(async () => apps.cleanup());

interface Run {
  app: string;
  kind: 'broadcast' | 'group';
  id: string;
  from: string;
  payloadTypes: string;
}

/** An "orders" application: one broadcast and one group handler, both recording into `runs`. */
function ordersModule(name: string, group: string, runs: Run[], options: ReturnType<NestApps['options']>): Type {
  @Injectable()
  class OrderHandlers {
    // `this` must be the provider instance: the handlers use its own method and field.
    readonly app = name;

    @OnEvents('order.placed')
    audit(order: Events['order.placed'], meta: EventMeta): void {
      runs.push(this.record('broadcast', order, meta));
    }

    @OnEvents('order.placed', { group })
    async charge(order: Events['order.placed'], meta: EventMeta): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, 5));
      runs.push(this.record('group', order, meta));
    }

    private record(kind: Run['kind'], order: Events['order.placed'], meta: EventMeta): Run {
      const payloadTypes = `${typeof order.total}/${order.at instanceof Date ? 'Date' : typeof order.at}`;
      return { app: this.app, kind, id: order.id, from: meta.service, payloadTypes };
    }
  }
  @Module({ imports: [RemitModule.forRoot({ ...options, prefetch: 1 })], providers: [OrderHandlers] })
  class OrdersModule {}
  return OrdersModule;
}

/** A "checkout" HTTP application whose controller publishes through the injected EventBus. */
function checkoutModule(options: ReturnType<NestApps['options']>): object {
  @Controller('orders')
  class CheckoutController {
    constructor(private readonly bus: EventBus<Events>) {}

    @Post()
    async place(@Body() body: { id: string; total: string }): Promise<{ published: string }> {
      await this.bus.publish('order.placed', { id: body.id, total: BigInt(body.total), at: new Date() });
      return { published: body.id };
    }
  }
  @Module({ imports: [RemitModule.forRoot(options)], controllers: [CheckoutController] })
  class CheckoutModule {}
  return CheckoutModule;
}

describe('@OnRemoteEvent across NestJS applications over RabbitMQ', () => {
  it('runs broadcast handlers in every application and a group handler in one of them per event', async () => {
    apps = new NestApps();
    const group = apps.topology.group('charge');
    const runs: Run[] = [];
    // One application built with NestFactory, one with the testing module, as users do both.
    const first = await apps.context(ordersModule('orders-1', group, runs, apps.options('orders')));
    const testing = await Test.createTestingModule({
      imports: [ordersModule('orders-2', group, runs, apps.options('orders'))],
    }).compile();
    const second = testing.createNestApplication({ logger: ['error', 'warn'] });
    await second.init();
    const { app: checkout, url } = await apps.listen(checkoutModule(apps.options('checkout')));
    try {
      const ids = Array.from({ length: 10 }, (_, n) => `A-${n}`);
      // Resolves once every handler run the orders caused has ended and nothing is on its way:
      // no polling, and no pause to let stray duplicates arrive before counting.
      const h = testHarness([first.get(EventBus), second.get(EventBus), checkout.get(EventBus)]);
      await h.track(async () => {
        for (const id of ids) {
          const response = await fetch(`${url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ id, total: '12345678901234567890' }),
          });
          expect(response.status).toBe(201);
        }
      });
      const broadcast = (app: string) => runs.filter((run) => run.kind === 'broadcast' && run.app === app).map((run) => run.id);
      expect(broadcast('orders-1')).toEqual(ids);
      expect(broadcast('orders-2')).toEqual(ids);
      const grouped = runs.filter((run) => run.kind === 'group');
      expect(grouped.map((run) => run.id).sort()).toEqual([...ids].sort());
      expect(runs.every((run) => run.from === 'checkout' && run.payloadTypes === 'bigint/Date')).toBe(true);
      expect(checkout.get(EventBus).stats().published).toBe(ids.length);
    } finally {
      await second.close();
    }
  });

  it('does not consume before bootstrap: an event waiting in the group queue reaches the handler once the app is up', async () => {
    apps = new NestApps();
    const group = apps.topology.group('early');
    const runs: Run[] = [];
    // A first application declares the group queue, then goes away.
    const first = await apps.context(ordersModule('orders-1', group, [], apps.options('orders')));
    await apps.close(first);
    const publisher = apps.topology.bus<Events>({ service: 'checkout' });
    await publisher.start();
    await publisher.publish('order.placed', { id: 'waiting', total: 1n, at: new Date() });
    const app = await apps.create(ordersModule('orders-2', group, runs, apps.options('orders')));
    const bus = app.get(EventBus);
    // Created but not initialized: handlers are not registered and nothing is consumed yet.
    expect(bus.health().status).toBe('idle');
    await settle(200);
    expect(runs).toEqual([]);
    await app.init();
    await waitFor('the waiting event', () => runs.some((run) => run.kind === 'group'));
    expect(runs.filter((run) => run.kind === 'group').map((run) => run.id)).toEqual(['waiting']);
  });
});
