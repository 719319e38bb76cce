import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RemitLifecycle } from './remit.lifecycle.js';

/**
 * Holds `RemitLifecycle`. Deliberately not global (see RemitLifecycle); it reaches `EventBus` and
 * the settings through the global `RemitModule` that imports it.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [RemitLifecycle],
})
export class RemitLifecycleModule {}
