import { Inject, Injectable } from '@nestjs/common';
import { type MetricsResponse, type MetricsRouteOptions, metricsRoute, type PromClientModule } from '@remit/core';
import { EventBus } from './event-bus.js';
import { REMIT_METRICS_OPTIONS } from './remit.constants.js';

/**
 * The bus's Prometheus metrics, as a scrape answers them: the app's prom-client registry with
 * remit's metrics in it when prom-client is installed, remit's metrics alone otherwise. Provided
 * by `RemitMetricsModule`; `RemitMetricsController` serves it.
 */
@Injectable()
export class RemitMetrics {
  readonly #scrape: () => Promise<MetricsResponse>;

  constructor(@Inject(EventBus) bus: EventBus, @Inject(REMIT_METRICS_OPTIONS) options: MetricsRouteOptions) {
    // prom-client is an optional peer: loaded only here, and only if the app installed it.
    this.#scrape = metricsRoute(bus, options, () => import('prom-client') as Promise<PromClientModule>);
  }

  /** The body to serve and its Content-Type. */
  scrape(): Promise<MetricsResponse> {
    return this.#scrape();
  }
}
