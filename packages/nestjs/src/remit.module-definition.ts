import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RemitModuleOptions } from './remit-module-options.js';

/**
 * `forRoot` / `forRootAsync` come from Nest's builder, so `forRootAsync` takes every form Nest users
 * know (`useFactory` + `inject`, `useClass`, `useExisting`, `imports`). The options token is a plain
 * string, the same in the ESM and the CommonJS build.
 */
export const {
  ConfigurableModuleClass: ConfigurableRemitModule,
  MODULE_OPTIONS_TOKEN: REMIT_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<RemitModuleOptions>({ moduleName: 'Remit' }).setClassMethodName('forRoot').build();
