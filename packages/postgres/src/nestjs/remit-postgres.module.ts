import { Global, Logger, Module } from '@nestjs/common';
import { ConfigError } from '@remit/core';
import { EventBus } from '@remit/nestjs';
import { postgresOutbox, PostgresOutbox } from '../postgres-outbox.js';
import type { OutboxFailure } from '../outbox-options.js';
import { REMIT_POSTGRES_SETTINGS } from './remit-postgres.constants.js';
import { RemitPostgresLifecycle } from './remit-postgres.lifecycle.js';
import { ConfigurableRemitPostgresModule, REMIT_POSTGRES_OPTIONS } from './remit-postgres.module-definition.js';
import type { RemitPostgresModuleOptions } from './remit-postgres-options.js';

const logger = new Logger('RemitPostgresModule');

function logFailure(failure: OutboxFailure): void {
  const row = failure.id ? ` (event "${failure.event ?? '?'}", id ${failure.id})` : '';
  logger.error(`${failure.kind} failure${row}: ${failure.error.message}`, failure.error.stack);
}

/**
 * The transactional outbox for the bus of `RemitModule` (import both). Global: provides
 * `PostgresOutbox`, typed with your event map where you inject it; migrates and starts the relay at
 * bootstrap and stops it before the bus drains on shutdown. Relay failures go to Nest's logger.
 *
 * @example
 * @Module({ imports: [RemitModule.forRoot({ service: 'shop', transport }), RemitPostgresModule.forRoot({ pool })] })
 * export class AppModule {}
 *
 * @Injectable()
 * export class Orders {
 *   constructor(@Inject(PostgresOutbox) private readonly outbox: PostgresOutbox<Events>) {}
 *   place(order: Order) {
 *     return this.outbox.withTransaction(async (tx) => {
 *       await tx.query('INSERT INTO orders (id) VALUES ($1)', [order.id]);
 *       await this.outbox.publish(tx, 'order.placed', order);
 *     });
 *   }
 * }
 */
@Global()
@Module({
  providers: [
    {
      provide: REMIT_POSTGRES_SETTINGS,
      useFactory: (options: RemitPostgresModuleOptions) => {
        if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected an object: { pool, … }.');
        if (options.migrate !== undefined && typeof options.migrate !== 'boolean') throw new ConfigError('migrate', 'expected true or false.');
        return { migrate: options.migrate ?? true };
      },
      inject: [REMIT_POSTGRES_OPTIONS],
    },
    {
      provide: PostgresOutbox,
      useFactory: (options: RemitPostgresModuleOptions, bus: EventBus) => {
        const { migrate: _migrate, ...outbox } = options;
        return postgresOutbox({ ...outbox, bus, onError: outbox.onError ?? logFailure });
      },
      inject: [REMIT_POSTGRES_OPTIONS, EventBus],
    },
    RemitPostgresLifecycle,
  ],
  exports: [PostgresOutbox],
})
export class RemitPostgresModule extends ConfigurableRemitPostgresModule {}
