// `@remit/postgres/nestjs`: the Nest module, in an entry of its own so that importing
// `@remit/postgres` never loads Nest.
export { RemitPostgresModule } from './nestjs/remit-postgres.module.js';
export { REMIT_POSTGRES_OPTIONS } from './nestjs/remit-postgres.module-definition.js';
export type { RemitPostgresModuleOptions } from './nestjs/remit-postgres-options.js';
export { PostgresOutbox, withTransaction } from './index.js';
