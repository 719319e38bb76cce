import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { amqp, type EventMeta } from '@remit/core';
import { EventBus, OnRemoteEvent, RemitModule, type RemitModuleOptions } from '@remit/nestjs';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, unique, waitFor } from '../helpers/broker.js';
import { NestApps } from './nest-apps.js';

let apps: NestApps;
afterEach(async () => apps.cleanup());

describe('RemitModule.forRootAsync', () => {
  it('builds the bus from ConfigService values and runs handlers with it', async () => {
    apps = new NestApps();
    const { exchange, deadLetter } = apps.topology;
    const heard: Array<{ id: string; meta: EventMeta }> = [];
    const instance = unique('billing');

    @Injectable()
    class Invoices {
      @OnRemoteEvent('invoice.due')
      due(invoice: { id: string }, meta: EventMeta): void {
        heard.push({ id: invoice.id, meta });
      }
    }

    @Module({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ remit: { url: AMQP_URL, exchange, deadLetter, service: 'billing', instance } })],
        }),
        RemitModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService): RemitModuleOptions => ({
            service: config.getOrThrow<string>('remit.service'),
            instanceId: config.getOrThrow<string>('remit.instance'),
            transport: amqp({
              url: config.getOrThrow<string>('remit.url'),
              exchange: config.getOrThrow<string>('remit.exchange'),
              deadLetter: config.getOrThrow<string>('remit.deadLetter'),
            }),
          }),
        }),
      ],
      providers: [Invoices],
    })
    class AppModule {}

    const app = await apps.context(AppModule);
    apps.topology.track(`remit.instance.billing.${instance}`);
    const bus = app.get(EventBus);
    expect({ service: bus.service, instanceId: bus.instanceId }).toEqual({ service: 'billing', instanceId: instance });
    expect(bus.health().status).toBe('connected');

    const publisher = apps.topology.bus({ service: 'scheduler' });
    await publisher.start();
    await publisher.publish('invoice.due', { id: 'INV-1' });
    await waitFor('the invoice', () => heard.length === 1);
    expect(heard[0]).toMatchObject({ id: 'INV-1', meta: { service: 'scheduler', name: 'invoice.due' } });
  });

  it('fails bootstrap with a ConfigError naming the field when the factory returns a bad option', async () => {
    apps = new NestApps();
    const transport = apps.transport();
    @Module({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ service: 'bad service name!' })] }),
        RemitModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ service: config.getOrThrow<string>('service'), transport }),
        }),
      ],
    })
    class AppModule {}
    // Nest logs the bootstrap error with its stack; expected here, so kept off the test output.
    const failure = await apps.context(AppModule, { logger: false }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'ConfigError', field: 'service' });
  });
});
