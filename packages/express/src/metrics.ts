import {
  type Bus,
  type MetricsRouteOptions,
  metricsRoute,
  type PayloadMap,
  type PromClientModule,
  type RequestMap,
  type RequestShape,
} from '@remit/core';
import type { NextFunction, Request, Response } from 'express';
import { requireBus } from './option-checks.js';

/** Options of `metrics()`. */
export type MetricsOptions = MetricsRouteOptions;

/**
 * A Prometheus scrape route for the bus: per-event counters, handler durations and connection
 * gauges (docs/metrics.md lists them). When the app uses prom-client, remit's metrics join its
 * default registry (or `options.registry`) and the route serves that registry, the app's own
 * metrics included; otherwise it serves remit's metrics alone.
 *
 * @example
 * app.get('/metrics', metrics(bus));
 */
export function metrics<E extends object, R extends RequestShape<R> = RequestMap, P extends PayloadMap<E> = E>(
  bus: Bus<E, R, P>,
  options?: MetricsOptions,
): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  requireBus(bus);
  // prom-client is an optional peer: loaded only here, and only if the app installed it.
  const scrape = metricsRoute(bus, options, () => import('prom-client') as Promise<PromClientModule>);
  return async function remitMetrics(_req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const { contentType, body } = await scrape();
      res.status(200).set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
    } catch (error) {
      next(error);
    }
  };
}
