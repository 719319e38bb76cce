import { ConfigError } from '../errors.js';
import { type PrometheusRegistry, registerPrometheusMetrics } from './prom-client-metrics.js';
import { type MetricsSource, PROMETHEUS_CONTENT_TYPE, prometheusText } from './prometheus.js';
import { rejectUnknownKeys, requireRecord } from '../config-checks.js';

/** A prom-client registry that can also render itself (`register`, or a `new Registry()`). */
export interface ServableRegistry extends PrometheusRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** What `import('prom-client')` gives, in ESM (named exports) or through CommonJS interop (`default`). */
export interface PromClientModule {
  register?: ServableRegistry;
  default?: { register?: ServableRegistry };
}

/** Options of a metrics route (`metrics(bus, options)` in `@remit/express`, `RemitMetricsModule` in `@remit/nestjs`). */
export interface MetricsRouteOptions {
  /**
   * The prom-client registry to serve, with remit's metrics added to it.
   * @default prom-client's default registry (`register`) when the app has prom-client installed
   */
  registry?: ServableRegistry;
  /**
   * Look for prom-client when no `registry` is given. `false` serves remit's metrics alone, even
   * when prom-client is installed.
   * @default true
   */
  promClient?: boolean;
}

/** One scrape's answer. */
export interface MetricsResponse {
  contentType: string;
  body: string;
}

const ROUTE_KEYS = ['registry', 'promClient'];

/** prom-client itself is missing (not one of its own dependencies, which is a broken install to report). */
function isPromClientMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes("'prom-client'");
}

/**
 * What a metrics route serves, for the framework adapters: the app's prom-client registry with
 * remit's metrics in it (registered once, when the route is made), or, without prom-client, remit's
 * own text. `loadPromClient` is the adapter's `() => import('prom-client')`, so prom-client stays
 * an optional peer of the adapter and core never loads it.
 */
export function metricsRoute(
  source: MetricsSource,
  options: MetricsRouteOptions | undefined,
  loadPromClient: () => Promise<PromClientModule>,
): () => Promise<MetricsResponse> {
  const checked = requireRecord('options', options ?? {});
  rejectUnknownKeys('', checked, ROUTE_KEYS);
  const { registry, promClient } = checked as MetricsRouteOptions;
  if (promClient !== undefined && typeof promClient !== 'boolean') throw new ConfigError('promClient', 'expected true or false.');
  if (registry !== undefined) {
    if (typeof registry?.metrics !== 'function') {
      throw new ConfigError('registry', 'expected a prom-client Registry (e.g. `register` from prom-client).');
    }
    registerPrometheusMetrics(source, registry);
  }
  const own = async (): Promise<MetricsResponse> => ({ contentType: PROMETHEUS_CONTENT_TYPE, body: prometheusText(source) });
  // Looked up at once, so remit's metrics are in the default registry before the first scrape.
  const resolved: Promise<ServableRegistry | null> = registry
    ? Promise.resolve(registry)
    : promClient === false
      ? Promise.resolve(null)
      : loadPromClient().then(
          (module) => {
            const found = module.register ?? module.default?.register;
            if (!found) return null;
            registerPrometheusMetrics(source, found);
            return found;
          },
          (error: unknown) => {
            if (isPromClientMissing(error)) return null;
            throw error;
          },
        );
  // A failure is reported by every scrape; until the first one, nobody is waiting for it.
  resolved.catch(() => {});
  return async function scrape(): Promise<MetricsResponse> {
    const served = await resolved;
    if (!served) return own();
    return { contentType: served.contentType, body: await served.metrics() };
  };
}
