import type { Type } from '@nestjs/common';
import type { MetricsRouteOptions } from '@remit/core';
import type { RemitMetricsController } from './remit-metrics.controller.js';

/**
 * Options of `RemitMetricsModule.register()`.
 *
 * @example
 * RemitMetricsModule.register({ path: '/internal/metrics' })
 */
export interface RemitMetricsModuleOptions extends MetricsRouteOptions {
  /**
   * Where the scrape route is served.
   * @default '/metrics'
   */
  path?: string;
  /**
   * The controller serving the route: extend `RemitMetricsController` to add guards or
   * interceptors (`@UseGuards(...)`) and pass your class here.
   * @default RemitMetricsController
   */
  controller?: Type<RemitMetricsController>;
}
