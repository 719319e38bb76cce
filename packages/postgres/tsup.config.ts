import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Two entries: the outbox, and the Nest module behind `@remit/postgres/nestjs`, so an application
// without Nest never loads (or installs) Nest. Code splitting for CommonJS too: both entries then
// share one PostgresOutbox class, the token the Nest module provides and applications inject.
export default defineConfig({ ...packageBuild(['src/index.ts', 'src/nestjs.ts']), splitting: true });
