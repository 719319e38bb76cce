import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { amqp } from '@remit/core';
import { RemitMetricsModule, RemitModule } from '@remit/nestjs';
import { HealthController } from './health.controller';
import { OrderHandlers } from './order.handlers';
import { OrdersController } from './orders.controller';
import { settings } from './settings';

@Module({
  imports: [
    RemitModule.forRoot({
      service: settings.service,
      // A stable id (like a pod name): a restart within a minute misses no event.
      instanceId: process.env.INSTANCE_ID ?? 'orders-1',
      transport: amqp({ url: settings.amqpUrl, exchange: settings.exchange, connectTimeoutMs: 5000 }),
    }),
    TerminusModule,
    // GET /metrics: Prometheus counters, handler durations and delivery lag per event.
    RemitMetricsModule.register(),
  ],
  controllers: [OrdersController, HealthController],
  providers: [OrderHandlers],
})
export class AppModule {}
