import 'reflect-metadata';
import { Injectable, Module, Scope, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { ConfigError, type EventMeta, memory, type MemoryBroker, memoryBroker } from '@remit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, OnRemoteEvent, RemitHealthIndicator, RemitModule, type RemitModuleOptions } from '../src/index.js';

type Events = { 'order.placed': { id: string; at: Date }; 'order.shipped': { id: string } };

const apps: INestApplicationContext[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function boot(module: unknown): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(module as never, { logger: false, abortOnError: false });
  apps.push(app);
  return app;
}

function rootModule(options: RemitModuleOptions, providers: unknown[], imports: unknown[] = []): unknown {
  @Module({ imports: [RemitModule.forRoot(options), ...(imports as never[])], providers: providers as never[] })
  class AppModule {}
  return AppModule;
}

async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; !check(); tries++) {
    if (tries > 200) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('RemitModule on the memory transport', () => {
  it('runs @OnRemoteEvent methods with this bound to the provider and (payload, meta)', async () => {
    const broker = memoryBroker();
    @Injectable()
    class Orders {
      readonly seen: Array<{ id: string; at: Date; from: string }> = [];
      @OnRemoteEvent('order.placed')
      placed(order: { id: string; at: Date }, meta: EventMeta): void {
        this.seen.push({ ...order, from: meta.service });
      }
    }
    const app = await boot(rootModule({ service: 'shop', transport: memory(broker) }, [Orders]));
    const publisher = await boot(rootModule({ service: 'checkout', transport: memory(broker) }, []));
    const at = new Date('2030-01-01T00:00:00Z');
    await publisher.get<EventBus<Events>>(EventBus).publish('order.placed', { id: 'A-1', at });
    const orders = app.get(Orders);
    await until(() => orders.seen.length === 1);
    expect(orders.seen).toEqual([{ id: 'A-1', at, from: 'checkout' }]);
    expect(orders.seen[0]?.at).toBeInstanceOf(Date);
  });

  it('starts the bus only at bootstrap, with every handler registered', async () => {
    const broker = memoryBroker();
    @Injectable()
    class Listener {
      @OnRemoteEvent('order.placed')
      placed(): void {}
    }
    @Module({ imports: [RemitModule.forRoot({ service: 'shop', transport: memory(broker) })], providers: [Listener] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    apps.push(app);
    const bus = app.get(EventBus);
    expect(bus.health().status).toBe('idle');
    await app.init();
    expect(bus.health().status).toBe('connected');
  });

  it('runs a group handler on one application of the group and broadcast handlers on all', async () => {
    const broker = memoryBroker();
    const runs: string[] = [];
    const instances = await Promise.all(
      ['one', 'two'].map((name) => {
        @Injectable()
        class Handlers {
          @OnRemoteEvent('order.placed', { group: true })
          charge(order: { id: string }): void {
            runs.push(`${name}:group:${order.id}`);
          }
          @OnRemoteEvent('order.placed')
          log(order: { id: string }): void {
            runs.push(`${name}:broadcast:${order.id}`);
          }
        }
        return boot(rootModule({ service: 'billing', instanceId: name, transport: memory(broker) }, [Handlers]));
      }),
    );
    expect(instances).toHaveLength(2);
    const publisher = await boot(rootModule({ service: 'checkout', transport: memory(broker) }, []));
    const bus = publisher.get<EventBus<Events>>(EventBus);
    for (const id of ['1', '2', '3', '4']) await bus.publish('order.placed', { id, at: new Date() });
    await until(() => runs.length === 4 * 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs.filter((run) => run.includes(':group:')).map((run) => run.split(':')[2]).sort()).toEqual(['1', '2', '3', '4']);
    expect(runs.filter((run) => run.startsWith('one:broadcast'))).toHaveLength(4);
    expect(runs.filter((run) => run.startsWith('two:broadcast'))).toHaveLength(4);
  });

  it('fails bootstrap with a ConfigError naming a request-scoped handler', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @OnRemoteEvent('order.placed')
      placed(): void {}
    }
    const error = await boot(rootModule({ service: 'shop', transport: memory(memoryBroker()) }, [PerRequest])).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('PerRequest.placed');
    expect((error as ConfigError).message).toContain('request-scoped');
  });

  it('rejects bad module options with a ConfigError naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ eventEmitter: 'yes' }, 'eventEmitter'],
      [{ eventEmitter: { events: ['ok', ''] } }, 'eventEmitter.events[1]'],
      [{ eventEmitter: { event: [] } }, 'eventEmitter.event'],
      [{ shutdownTimeoutMs: -1 }, 'shutdownTimeoutMs'],
      [{ service: '' }, 'service'],
      [{ prefetch: 'many' }, 'prefetch'],
    ];
    for (const [extra, field] of cases) {
      const options = { service: 'shop', transport: memory(memoryBroker()), ...extra } as RemitModuleOptions;
      const error = await boot(rootModule(options, [])).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error, field).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
    }
  });

  it('closes the bus when the application closes, letting a running handler finish', async () => {
    const broker = memoryBroker();
    let release = (): void => {};
    const finished: string[] = [];
    @Injectable()
    class Slow {
      @OnRemoteEvent('order.placed')
      async placed(order: { id: string }): Promise<void> {
        await new Promise<void>((resolve) => (release = resolve));
        finished.push(order.id);
      }
    }
    const app = await boot(rootModule({ service: 'shop', transport: memory(broker) }, [Slow]));
    const bus = app.get<EventBus<Events>>(EventBus);
    const started = new Promise<void>((resolve) => bus.on('order.placed', () => resolve()));
    await bus.publish('order.placed', { id: 'slow', at: new Date() });
    await started;
    apps.splice(apps.indexOf(app), 1);
    const closing = app.close();
    let closed = false;
    void closing.then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(finished).toEqual(['slow']);
    expect(bus.health().status).toBe('closed');
  });

  it('reports health up while connected and down once closed', async () => {
    const app = await boot(rootModule({ service: 'shop', transport: memory(memoryBroker()) }, []));
    const indicator = app.get(RemitHealthIndicator);
    expect(indicator.isHealthy()).toMatchObject({ remit: { status: 'up', busStatus: 'connected', outbox: 0, lastError: null } });
    expect(indicator.isHealthy('bus').bus.connectedSince).toEqual(expect.any(String));
    apps.splice(apps.indexOf(app), 1);
    await app.close();
    expect(indicator.isHealthy()).toMatchObject({ remit: { status: 'down', busStatus: 'closed' } });
  });
});

describe('the EventEmitter2 bridge on the memory transport', () => {
  function bridged(broker: MemoryBroker, instanceId: string, events: string[], providers: unknown[]): Promise<INestApplicationContext> {
    return boot(
      rootModule({ service: 'shop', instanceId, transport: memory(broker), eventEmitter: { events } }, providers, [
        EventEmitterModule.forRoot(),
      ]),
    );
  }

  it('delivers listed and unlisted remote events to @OnEvent handlers and publishes listed local emits', async () => {
    const broker = memoryBroker();
    const heard: string[] = [];
    function listener(instance: string) {
      @Injectable()
      class Listener {
        @OnEvent('order.placed')
        placed(order: { id: string }, meta?: EventMeta): void {
          heard.push(`${instance} placed ${order.id} from ${meta?.instance ?? 'here'}`);
        }
        @OnEvent('order.shipped')
        shipped(order: { id: string }, meta?: EventMeta): void {
          heard.push(`${instance} shipped ${order.id} from ${meta?.instance ?? 'here'}`);
        }
      }
      return Listener;
    }
    const a = await bridged(broker, 'a', ['order.placed'], [listener('a')]);
    await bridged(broker, 'b', ['order.placed'], [listener('b')]);
    a.get(EventEmitter2).emit('order.placed', { id: '1' });
    await a.get<EventBus<Events>>(EventBus).publish('order.shipped', { id: '2' });
    await until(() => heard.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard.sort()).toEqual(['a placed 1 from here', 'b placed 1 from a', 'b shipped 2 from a']);
  });

  it('fails bootstrap with a ConfigError when EventEmitterModule is missing', async () => {
    const error = await boot(rootModule({ service: 'shop', transport: memory(memoryBroker()), eventEmitter: true }, [])).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('EventEmitterModule.forRoot()');
  });
});
