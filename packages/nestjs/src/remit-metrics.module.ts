import { type DynamicModule, Module } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ConfigError } from '@remit/core';
import { RemitMetricsController } from './remit-metrics.controller.js';
import type { RemitMetricsModuleOptions } from './remit-metrics-options.js';
import { REMIT_METRICS_OPTIONS } from './remit.constants.js';
import { RemitMetrics } from './remit-metrics.service.js';

const DEFAULT_PATH = '/metrics';

/**
 * A Prometheus scrape route for the bus of `RemitModule` (import both). With prom-client
 * installed, remit's metrics join its default registry (or `registry`) and the route serves it
 * all; without, it serves remit's metrics alone. Provides `RemitMetrics` for a route of your own.
 *
 * @example
 * @Module({ imports: [RemitModule.forRoot({ ... }), RemitMetricsModule.register()] })
 * export class AppModule {}
 */
@Module({})
export class RemitMetricsModule {
  static register(options: RemitMetricsModuleOptions = {}): DynamicModule {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError('options', 'expected an object: { path?, registry?, promClient?, controller? }.');
    }
    const { path = DEFAULT_PATH, controller = RemitMetricsController, ...route } = options;
    if (typeof path !== 'string' || path.length === 0) throw new ConfigError('path', "expected a route path such as '/metrics'.");
    if (typeof controller !== 'function') {
      throw new ConfigError('controller', 'expected a controller class (RemitMetricsController or a subclass).');
    }
    // The path goes on a subclass made for this registration, as @Controller(path) would put it:
    // set on the given class, it would move every other registration of that class (another
    // module, another app in the same process) to this path too. Guards and the route method are
    // inherited, and so is the name Nest logs.
    const routed = class extends controller {};
    Object.defineProperty(routed, 'name', { value: controller.name });
    Reflect.defineMetadata(PATH_METADATA, path, routed);
    return {
      module: RemitMetricsModule,
      controllers: [routed],
      providers: [{ provide: REMIT_METRICS_OPTIONS, useValue: route }, RemitMetrics],
      exports: [RemitMetrics],
    };
  }
}
