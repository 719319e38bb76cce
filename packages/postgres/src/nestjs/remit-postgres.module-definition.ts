import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RemitPostgresModuleOptions } from './remit-postgres-options.js';

/** `forRoot` / `forRootAsync` from Nest's builder, as RemitModule has them. */
export const {
  ConfigurableModuleClass: ConfigurableRemitPostgresModule,
  MODULE_OPTIONS_TOKEN: REMIT_POSTGRES_OPTIONS,
} = new ConfigurableModuleBuilder<RemitPostgresModuleOptions>({ moduleName: 'RemitPostgres' }).setClassMethodName('forRoot').build();
