import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { type EventMeta, UnrecoverableError } from '@remit/core';
import { EventBus, OnRemoteEvent, RemitModule, type RemitModuleOptions } from '@remit/nestjs';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteTopology, queueInfo, waitFor } from '../helpers/broker.js';
import { NestApps } from './nest-apps.js';

let apps: NestApps;
const delayQueues: string[] = [];
afterEach(async () => {
  await apps.cleanup();
  await deleteTopology({ queues: delayQueues.splice(0) });
});

describe('@OnRemoteEvent takes the handler policies of bus.on()', () => {
  it('retries through a broker delay queue, limits concurrency, dead-letters an UnrecoverableError at once, and names the handler Class.method', async () => {
    apps = new NestApps();
    const group = apps.topology.group('invoices');
    delayQueues.push(`remit.delay.300@${apps.topology.exchange}`);
    const attempts: number[] = [];
    let running = 0;
    let most = 0;
    @Injectable()
    class Invoices {
      @OnRemoteEvent('invoice.due', { group, retry: { attempts: 1, delays: [300] }, concurrency: 2 })
      async charge(invoice: { n: number; unrecoverable?: boolean }, meta: EventMeta): Promise<void> {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        if (invoice.unrecoverable) throw new UnrecoverableError('no such customer');
        if (invoice.n === 0) {
          attempts.push(meta.attempt);
          if (meta.attempt === 1) throw new Error('payments down');
        }
      }
    }
    @Module({ imports: [RemitModule.forRoot(apps.options('billing') as RemitModuleOptions)], providers: [Invoices] })
    class BillingModule {}
    const app = await apps.context(BillingModule);
    const publisher = apps.topology.bus({ service: 'api' });
    await publisher.start();
    for (let n = 0; n < 6; n++) await publisher.publish('invoice.due', { n });
    await publisher.publish('invoice.due', { n: 99, unrecoverable: true });
    await waitFor('the delayed retry', () => attempts.length === 2, 10_000);
    await waitFor('the dead letter', async () => (await queueInfo(apps.topology.deadLetter)).messageCount === 1);
    expect(attempts).toEqual([1, 2]);
    expect(most).toBe(2);
    expect(app.get(EventBus).health().handlers).toEqual([
      { event: 'invoice.due', handler: 'Invoices.charge', group, status: 'running', pausedUntil: null },
    ]);
  });
});
