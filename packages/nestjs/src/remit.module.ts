import { Global, Logger, Module } from '@nestjs/common';
import { createBus, type FailureReport } from '@remit/core';
import { EventBus } from './event-bus.js';
import { REMIT_SETTINGS } from './remit.constants.js';
import { ConfigurableRemitModule, REMIT_MODULE_OPTIONS } from './remit.module-definition.js';
import { type NormalizedRemitModuleOptions, normalizeRemitModuleOptions } from './remit-module-options.js';
import { RemitHealthIndicator } from './remit-health.indicator.js';
import { RemitLifecycleModule } from './remit-lifecycle.module.js';

/**
 * The remit bus for a NestJS application. Global: import it once, in the application module.
 * Provides `EventBus` and `RemitHealthIndicator`; runs `@OnRemoteEvent` methods; starts the bus at
 * bootstrap and drains it on shutdown (`app.close()`, or a signal with `app.enableShutdownHooks()`).
 *
 * @example
 * @Module({
 *   imports: [
 *     RemitModule.forRoot({ service: 'billing', transport: amqp({ url: 'amqp://localhost' }) }),
 *     // or, from configuration:
 *     // RemitModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService],
 *     //   useFactory: (config: ConfigService) => ({ service: 'billing', transport: amqp({ url: config.getOrThrow('AMQP_URL') }) }) }),
 *   ],
 * })
 * export class AppModule {}
 */
@Global()
@Module({
  imports: [RemitLifecycleModule],
  providers: [
    {
      provide: REMIT_SETTINGS,
      useFactory: (options: unknown) => normalizeRemitModuleOptions(options),
      inject: [REMIT_MODULE_OPTIONS],
    },
    {
      provide: EventBus,
      useFactory: (settings: NormalizedRemitModuleOptions) =>
        new EventBus(createBus({ ...settings.bus, onError: settings.bus.onError ?? logFailure })),
      inject: [REMIT_SETTINGS],
    },
    RemitHealthIndicator,
  ],
  exports: [EventBus, RemitHealthIndicator, REMIT_SETTINGS],
})
export class RemitModule extends ConfigurableRemitModule {}

const logger = new Logger('RemitModule');

/**
 * Without an `onError` option, failures go to Nest's logger rather than nowhere. Connection trouble
 * and unroutable events are warnings (the bus reconnects on its own; nobody was listening); a failed
 * handler, an undecodable message or a dead letter is an error.
 */
function logFailure(report: FailureReport): void {
  const where = [report.event && `event "${report.event}"`, report.handler && `handler ${report.handler}`]
    .filter(Boolean)
    .join(', ');
  const message = `${report.kind} failure${where ? ` (${where})` : ''}: ${report.error.message}`;
  if (report.kind === 'transport' || report.kind === 'unroutable') logger.warn(message);
  else logger.error(message, report.error.stack);
}
