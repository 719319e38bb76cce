import { ConfigError } from '../errors.js';
import { type MetricDefinition, type MetricFamily, type MetricsReading, type MetricsSource, readMetrics, REMIT_METRICS } from './prometheus.js';
import type { Unsubscribe } from '../types.js';

/**
 * The part of a prom-client `Registry` remit uses. Structural, so core does not depend on
 * prom-client: pass `register` (the default registry) or any `new Registry()`.
 */
export interface PrometheusRegistry {
  // `never`: prom-client types its parameter as its own metric classes; any registry fits here.
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

/** A metric as prom-client's registry reads it: `get()` at every scrape, `reset()` from `resetMetrics()`. */
interface RegistryMetric {
  name: string;
  help: string;
  type: MetricFamily['type'];
  aggregator: 'sum';
  get(): Promise<MetricFamily & { aggregator: 'sum' }>;
  reset(): void;
}

/** The buses each registry reports, and the metric objects remit put in it. */
const registered = new WeakMap<PrometheusRegistry, { sources: Set<MetricsSource>; metrics: Map<string, RegistryMetric> }>();

/**
 * The registered buses' readings, dropping closed ones for good: a registry (prom-client's default
 * one above all) outlives them, and a bus made again under the same service (a Nest app closed and
 * created anew in one process) would otherwise report every series twice, once frozen.
 */
function liveReadings(sources: Set<MetricsSource>): MetricsReading[] {
  const readings: MetricsReading[] = [];
  for (const source of sources) {
    const reading = readMetrics(source);
    if (reading.health.status === 'closed') sources.delete(source);
    else readings.push(reading);
  }
  return readings;
}

/**
 * prom-client's `Histogram` only takes single observations, and remit's histogram is already
 * aggregated (prom-client issue #241); so remit registers objects of the registry's metric contract,
 * read from `stats()` and `health()` at scrape time. Summed across cluster workers by
 * `AggregatorRegistry` like prom-client's own counters.
 */
function registryMetric(definition: MetricDefinition, sources: Set<MetricsSource>): RegistryMetric {
  const { name, help, type } = definition;
  const metric: RegistryMetric = {
    name,
    help,
    type,
    aggregator: 'sum',
    // metric.name, not name: an OpenMetrics registry renames counters (drops `_total`) before reading them.
    get: async () => ({
      name: metric.name,
      help,
      type,
      aggregator: 'sum',
      values: liveReadings(sources).flatMap(definition.samples),
    }),
    // Counted by the bus, not by prom-client: `registry.resetMetrics()` has nothing of remit's to reset.
    reset: () => {},
  };
  return metric;
}

/**
 * Adds remit's metrics (the same as `prometheusText`) to a prom-client registry, so the app's
 * `/metrics` serves its own metrics and remit's together. Registering a bus again does nothing;
 * several buses share the metrics, told apart by their `service` label. Throws ConfigError when
 * the registry already holds a metric of the same name that remit did not register. Returns a
 * function that stops reporting this bus.
 *
 * @example
 * import { register } from 'prom-client';
 * registerPrometheusMetrics(bus, register);
 * app.get('/metrics', async (_req, res) => res.type(register.contentType).send(await register.metrics()));
 */
export function registerPrometheusMetrics(source: MetricsSource, registry: PrometheusRegistry): Unsubscribe {
  if (typeof registry?.registerMetric !== 'function' || typeof registry.getSingleMetric !== 'function') {
    throw new ConfigError('registry', 'expected a prom-client Registry (e.g. `register` from prom-client).');
  }
  let entry = registered.get(registry);
  if (!entry) registered.set(registry, (entry = { sources: new Set(), metrics: new Map() }));
  const { sources, metrics } = entry;
  // Checked before anything is added, so a conflict leaves the registry as it was.
  for (const { name } of REMIT_METRICS) {
    const present = registry.getSingleMetric(name);
    if (present !== undefined && present !== metrics.get(name)) {
      throw new ConfigError('registry', `it already holds a metric named ${name} that remit did not register.`);
    }
  }
  for (const definition of REMIT_METRICS) {
    const ours = metrics.get(definition.name);
    if (ours !== undefined && registry.getSingleMetric(definition.name) === ours) continue;
    // New here, or the registry was cleared (`registry.clear()`) since: remit's metric goes (back) in.
    const metric = ours ?? registryMetric(definition, sources);
    metrics.set(definition.name, metric);
    // The registry reads only name, help, type, get() and reset() (see PrometheusRegistry's parameter).
    (registry.registerMetric as (metric: RegistryMetric) => void).call(registry, metric);
  }
  sources.add(source);
  return () => {
    sources.delete(source);
  };
}
