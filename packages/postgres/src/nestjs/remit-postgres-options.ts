import type { PostgresOutboxOptions } from '../outbox-options.js';

/** `RemitPostgresModule.forRoot()` options: the outbox's, less `bus` (the module injects `EventBus`). */
export interface RemitPostgresModuleOptions extends Omit<PostgresOutboxOptions, 'bus'> {
  /**
   * Run `outbox.migrate()` at bootstrap, before the relay starts (it only creates what is missing).
   * Turn it off where the application's database user may not create tables, and apply
   * `outbox.migrationSql()` with your migration tool instead.
   * @default true
   */
  migrate?: boolean;
}
