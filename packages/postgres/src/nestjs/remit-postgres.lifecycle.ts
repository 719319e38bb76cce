import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PostgresOutbox } from '../postgres-outbox.js';
import { REMIT_POSTGRES_SETTINGS } from './remit-postgres.constants.js';

/**
 * Migrates and starts the relay at bootstrap; closes it in `onModuleDestroy`, which Nest runs
 * before `beforeApplicationShutdown`, where RemitModule drains and closes the bus: the relay stops
 * publishing while the bus can still confirm what it sent.
 */
@Injectable()
export class RemitPostgresLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  readonly #logger = new Logger('RemitPostgresModule');

  constructor(
    @Inject(PostgresOutbox) private readonly outbox: PostgresOutbox,
    @Inject(REMIT_POSTGRES_SETTINGS) private readonly settings: { migrate: boolean },
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.settings.migrate) await this.outbox.migrate();
    await this.outbox.start();
    const { relay } = await this.outbox.stats();
    this.#logger.log(`Outbox relay ${relay === 'active' ? 'sending' : 'standing by'}`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.outbox.close();
  }
}
