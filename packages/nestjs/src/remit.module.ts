import { Global, Logger, Module } from '@nestjs/common';
import { type BusOptions, createBus, type Logger as RemitLogger } from '@remit/core';
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
        new EventBus(createBus(busOptions(settings))),
      inject: [REMIT_SETTINGS],
    },
    RemitHealthIndicator,
  ],
  exports: [EventBus, RemitHealthIndicator, REMIT_SETTINGS],
})
export class RemitModule extends ConfigurableRemitModule {}

const logger = new Logger('RemitModule');

/** Nest's Logger, as the bus's `logger` option wants it. */
const nestLogger: RemitLogger = {
  error: (message) => logger.error(message),
  warn: (message) => logger.warn(message),
  info: (message) => logger.log(message),
};

/**
 * Without a `logger` or an `onError` option, the bus logs through Nest's Logger (context
 * `RemitModule`) rather than the console: failed handlers, dead letters and undecodable messages
 * as errors; connection trouble, retries and unroutable events as warnings.
 */
function busOptions(settings: NormalizedRemitModuleOptions): BusOptions {
  const { bus } = settings;
  return bus.logger !== undefined || bus.onError !== undefined ? bus : { ...bus, logger: nestLogger };
}
