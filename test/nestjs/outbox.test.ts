import 'reflect-metadata';
import { Body, ConflictException, Controller, Inject, Module, Post } from '@nestjs/common';
import type { EventMeta } from '@remit/core';
import { RemitModule } from '@remit/nestjs';
import { PostgresOutbox } from '@remit/postgres';
import { RemitPostgresModule } from '@remit/postgres/nestjs';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { TestSchema } from '../helpers/postgres.js';
import { NestApps } from './nest-apps.js';

type Events = { 'order.placed': { id: string; total: number } };

let apps: NestApps;
let schema: TestSchema;
afterEach(async () => {
  await apps.cleanup();
  await schema.drop();
});

describe('RemitPostgresModule: the outbox in a Nest application', () => {
  it('a controller writes an order and its event in one transaction; the relay sends it; closing stops the relay before the bus', async () => {
    apps = new NestApps();
    schema = await TestSchema.create();
    const pool = schema.pool();

    @Controller('orders')
    class OrdersController {
      constructor(@Inject(PostgresOutbox) private readonly outbox: PostgresOutbox<Events>) {}

      @Post()
      async place(@Body() body: { id: string; total: number; fail?: boolean }): Promise<{ id: string }> {
        const id = await this.outbox.withTransaction(async (tx) => {
          await tx.query('INSERT INTO orders (id, total) VALUES ($1, $2)', [body.id, body.total]);
          const eventId = await this.outbox.publish(tx, 'order.placed', { id: body.id, total: body.total });
          if (body.fail) throw new ConflictException('rolled back on purpose');
          return eventId;
        });
        return { id };
      }
    }
    @Module({
      imports: [RemitModule.forRoot(apps.options('shop')), RemitPostgresModule.forRoot({ pool, schema: schema.name, pollIntervalMs: 200 })],
      controllers: [OrdersController],
    })
    class ShopModule {}

    const receiver = apps.topology.bus<Events>({ service: 'billing' });
    const seen: { order: Events['order.placed']; meta: EventMeta }[] = [];
    receiver.on('order.placed', (order, meta) => void seen.push({ order, meta }));
    await receiver.start();
    const { app, url } = await apps.listen(ShopModule);
    const outbox = app.get<PostgresOutbox<Events>>(PostgresOutbox);
    expect((await outbox.stats()).relay).toBe('active');

    const post = (body: object) =>
      fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const placed = await post({ id: 'n-1', total: 3 });
    expect(placed.status).toBe(201);
    const { id } = (await placed.json()) as { id: string };
    expect((await post({ id: 'n-2', total: 4, fail: true })).status).toBe(409);

    await waitFor('the event at the receiver', () => seen.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(seen.map(({ order, meta }) => ({ order, id: meta.id, service: meta.service }))).toEqual([
      { order: { id: 'n-1', total: 3 }, id, service: 'shop' },
    ]);
    expect(await schema.count('orders')).toBe(1);

    await apps.close(app);
    expect((await outbox.stats()).relay).toBe('stopped');
  });

  it('forRootAsync builds the options from a factory; bad module options fail the bootstrap with ConfigError', async () => {
    apps = new NestApps();
    schema = await TestSchema.create();
    const pool = schema.pool();
    @Module({
      imports: [
        RemitModule.forRoot(apps.options('worker')),
        RemitPostgresModule.forRootAsync({ useFactory: async () => ({ pool, schema: schema.name, standbyPollMs: 100 }) }),
      ],
    })
    class WorkerModule {}
    const app = await apps.context(WorkerModule);
    expect((await app.get<PostgresOutbox>(PostgresOutbox).stats()).relay).toBe('active');
    await apps.close(app);

    @Module({ imports: [RemitModule.forRoot(apps.options('broken')), RemitPostgresModule.forRoot({ pool, migrate: 'yes' as never })] })
    class BrokenModule {}
    await expect(apps.context(BrokenModule)).rejects.toMatchObject({ name: 'ConfigError', field: 'migrate' });
  });
});
