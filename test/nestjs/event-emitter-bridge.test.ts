import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import type { EventMeta } from '@remit/core';
import { EventBus, OnRemoteEvent, RemitModule, type RemitModuleOptions } from '@remit/nestjs';
import { testHarness } from '@remit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { unique, waitFor } from '../helpers/broker.js';
import { NestApps, settle } from './nest-apps.js';

type Events = { 'order.placed': { id: string; at: Date }; 'stock.low': { sku: string } };

let apps: NestApps;
afterEach(async () => apps.cleanup());

/** Sorted lines with instance ids (random UUIDs) replaced by readable names. */
function readable(lines: string[], names: Record<string, string>): string[] {
  return lines.map((line) => Object.entries(names).reduce((text, [id, name]) => text.replaceAll(id, name), line)).sort();
}

/** One line per handler call: `<app> <kind> <event> <id> from <instance or "here">`. */
function shopModule(name: string, heard: string[], options: RemitModuleOptions): object {
  @Injectable()
  class ExistingListeners {
    // Written for @nestjs/event-emitter alone, before remit: (payload), with meta as a bonus.
    @OnEvent('order.placed')
    placed(order: { id: string; at: Date }, meta?: EventMeta): void {
      expect(order.at).toBeInstanceOf(Date);
      heard.push(`${name} @OnEvent order.placed ${order.id} from ${meta?.instance ?? 'here'}`);
    }

    @OnEvent('stock.low')
    low(stock: { sku: string }, meta?: EventMeta): void {
      heard.push(`${name} @OnEvent stock.low ${stock.sku} from ${meta?.instance ?? 'here'}`);
    }
  }

  @Injectable()
  class RemoteHandlers {
    @OnRemoteEvent('order.placed')
    placed(order: { id: string }, meta: EventMeta): void {
      heard.push(`${name} @OnRemoteEvent order.placed ${order.id} from ${meta.instance}`);
    }
  }

  @Module({
    imports: [
      // RemitModule first: the bridge must not depend on the order of the imports.
      RemitModule.forRoot({ ...options, eventEmitter: { events: ['order.placed'] } }),
      EventEmitterModule.forRoot(),
    ],
    providers: [ExistingListeners, RemoteHandlers],
  })
  class ShopModule {}
  return ShopModule;
}

describe('eventEmitter: @nestjs/event-emitter bridged over RabbitMQ', () => {
  it('publishes a listed local emit to the other app once, where @OnEvent and @OnRemoteEvent hear it, without loops', async () => {
    apps = new NestApps();
    const heard: string[] = [];
    const a = await apps.context(shopModule('shop-a', heard, apps.options('shop')));
    const b = await apps.context(shopModule('shop-b', heard, apps.options('shop')));
    // Every event on the exchange, to prove nothing is published twice or bounced back.
    const wire: string[] = [];
    const observer = apps.topology.bus<Events>({ service: 'observer' });
    observer.onAny((name, _payload, meta) => void wire.push(`${name} from ${meta.instance}`));
    await observer.start();

    // Resolves once every delivery the emit caused was handled: nothing more can arrive after it.
    const h = testHarness([a.get(EventBus), b.get(EventBus), observer]);
    await h.track(() => a.get(EventEmitter2).emit('order.placed', { id: 'A-1', at: new Date() }));
    const names = { [a.get(EventBus).instanceId]: 'shop-a', [b.get(EventBus).instanceId]: 'shop-b' };
    expect(readable(heard, names)).toEqual([
      'shop-a @OnEvent order.placed A-1 from here',
      'shop-a @OnRemoteEvent order.placed A-1 from shop-a',
      'shop-b @OnEvent order.placed A-1 from shop-a',
      'shop-b @OnRemoteEvent order.placed A-1 from shop-a',
    ]);
    expect(readable(wire, names)).toEqual(['order.placed from shop-a']);
    expect(a.get(EventBus).stats().published).toBe(1);
    expect(b.get(EventBus).stats().published).toBe(0);
  });

  it('delivers remote events of unlisted names to existing @OnEvent handlers, and keeps local emits of them local', async () => {
    apps = new NestApps();
    const heard: string[] = [];
    const a = await apps.context(shopModule('shop-a', heard, apps.options('shop')));
    const b = await apps.context(shopModule('shop-b', heard, apps.options('shop')));
    const warehouse = apps.topology.bus<Events>({ service: 'warehouse' });
    await warehouse.start();

    const h = testHarness([a.get(EventBus), b.get(EventBus), warehouse]);
    await h.track(async () => {
      await warehouse.publish('stock.low', { sku: 'SKU-9' });
      a.get(EventEmitter2).emit('stock.low', { sku: 'local-only' });
    });
    expect(readable(heard, { [warehouse.instanceId]: 'warehouse' })).toEqual([
      'shop-a @OnEvent stock.low SKU-9 from warehouse',
      'shop-a @OnEvent stock.low local-only from here',
      'shop-b @OnEvent stock.low SKU-9 from warehouse',
    ]);
    expect(a.get(EventBus).stats().published).toBe(0);
  });

  it('registers @OnEvent handlers before consuming: an event waiting in the queue at startup is heard', async () => {
    apps = new NestApps();
    const heard: string[] = [];
    const instanceId = unique('shop');
    apps.topology.track(`remit.instance.shop.${instanceId}`);
    // A stable instance id keeps the broadcast queue while the app is down.
    const options = apps.options('shop', { instanceId });
    await apps.close(await apps.context(shopModule('shop-a', [], options)));
    const warehouse = apps.topology.bus<Events>({ service: 'warehouse' });
    await warehouse.start();
    await warehouse.publish('stock.low', { sku: 'while-down' });

    await apps.context(shopModule('shop-a', heard, options));
    await waitFor('the waiting event', () => heard.length >= 1);
    await settle();
    expect(readable(heard, { [warehouse.instanceId]: 'warehouse' })).toEqual(['shop-a @OnEvent stock.low while-down from warehouse']);
  });
});
