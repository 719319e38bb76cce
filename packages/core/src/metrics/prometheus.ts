import type { BusHealth, BusStats, EventStats } from '../bus-state.js';

/** What metrics are read from: a bus (`Bus`, or Nest's `EventBus`). */
export interface MetricsSource {
  readonly service: string;
  stats(): BusStats;
  health(): BusHealth;
}

/** The Content-Type of the Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One sample line: `metricName` when it differs from the family's name (a histogram's `_bucket`, `_sum`, `_count`). */
export interface MetricSample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** One metric with its samples; the shape prom-client's registry reads from a metric's `get()`. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: MetricSample[];
}

/** One scrape's reading of a bus: read once, rendered into every metric. */
export interface MetricsReading {
  service: string;
  stats: BusStats;
  health: BusHealth;
}

export interface MetricDefinition {
  name: string;
  help: string;
  type: MetricFamily['type'];
  samples(reading: MetricsReading): MetricSample[];
}

type EventCounterName = Exclude<keyof EventStats, 'handlerDuration' | 'deliveryLag'>;
type BusCounterName = 'duplicates' | 'unroutable' | 'notForMe' | 'reconnects' | 'paused';

function perEvent(name: string, counter: EventCounterName, help: string): MetricDefinition {
  return {
    name,
    help,
    type: 'counter',
    samples: ({ service, stats }) =>
      Object.entries(stats.events).map(([event, counters]) => ({ labels: { service, event }, value: counters[counter] })),
  };
}

function busWide(name: string, counter: BusCounterName, help: string): MetricDefinition {
  return { name, help, type: 'counter', samples: ({ service, stats }) => [{ labels: { service }, value: stats[counter] }] };
}

function perEventHistogram(name: string, histogram: 'handlerDuration' | 'deliveryLag', help: string): MetricDefinition {
  return {
    name,
    help,
    type: 'histogram',
    samples: ({ service, stats }) =>
      Object.entries(stats.events).flatMap(([event, counters]) => {
        const { buckets, sum, count } = counters[histogram];
        return [
          ...buckets.map(({ le, count: atMost }) => ({ metricName: `${name}_bucket`, labels: { service, event, le }, value: atMost })),
          { metricName: `${name}_bucket`, labels: { service, event, le: '+Inf' }, value: count },
          { metricName: `${name}_sum`, labels: { service, event }, value: sum },
          { metricName: `${name}_count`, labels: { service, event }, value: count },
        ];
      }),
  };
}

/**
 * Every metric remit exposes. Counters that `stats()` keeps per event carry an `event` label (and
 * add up to the bus-wide counter); the rest are per bus. Every sample carries `service`; the
 * instance is the scrape target's own `instance` label, so it is not repeated here.
 */
export const REMIT_METRICS: readonly MetricDefinition[] = [
  perEvent('remit_events_published_total', 'published', 'Events published by this instance.'),
  perEvent('remit_events_confirmed_total', 'confirmed', 'Published events the broker confirmed.'),
  perEvent('remit_events_received_total', 'received', 'Event deliveries received from the broker.'),
  perEvent('remit_events_handled_total', 'handled', 'Events whose handlers all succeeded.'),
  perEvent('remit_events_failed_total', 'failed', 'Handlers that still failed after their last retry.'),
  perEvent('remit_events_retried_total', 'retried', 'Handler attempts that failed and were retried.'),
  perEvent('remit_events_delayed_total', 'delayed', 'Events sent back through a broker delay queue for a later try (retry.delays).'),
  perEvent('remit_events_dead_lettered_total', 'deadLettered', 'Events moved to the dead-letter queue.'),
  perEventHistogram('remit_handler_duration_seconds', 'handlerDuration', 'How long event handlers ran, per attempt.'),
  perEventHistogram('remit_delivery_lag_seconds', 'deliveryLag', "Time from an event's publish to its receipt here (publisher's clock)."),
  busWide('remit_events_duplicates_total', 'duplicates', 'Redelivered copies of events already handled, dropped.'),
  busWide('remit_events_unroutable_total', 'unroutable', 'Published events that reached no queue.'),
  busWide('remit_events_not_for_me_total', 'notForMe', 'Events addressed to another service or instance, dropped here.'),
  busWide('remit_reconnects_total', 'reconnects', 'Reconnections to the broker after a lost connection.'),
  busWide('remit_handler_pauses_total', 'paused', "Times a circuit breaker paused a handler's queue."),
  {
    name: 'remit_handler_paused',
    help: "1 while a handler's circuit breaker holds its queue paused, else 0.",
    type: 'gauge',
    samples: ({ service, health }) =>
      health.handlers.map((handler) => ({
        labels: { service, event: handler.event, handler: handler.handler },
        value: handler.status === 'paused' ? 1 : 0,
      })),
  },
  {
    name: 'remit_connected',
    help: '1 while the bus is connected to the broker, else 0.',
    type: 'gauge',
    samples: ({ service, health }) => [{ labels: { service }, value: health.status === 'connected' ? 1 : 0 }],
  },
  {
    name: 'remit_outbox_events',
    help: 'Events waiting to be sent or confirmed by the broker.',
    type: 'gauge',
    samples: ({ service, health }) => [{ labels: { service }, value: health.outbox }],
  },
];

/** Reads a bus once, for one scrape. */
export function readMetrics(source: MetricsSource): MetricsReading {
  return { service: source.service, stats: source.stats(), health: source.health() };
}

/** Escapes a label value: backslash, double quote and line feed (exposition format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Record<string, string | number>): string {
  const pairs = Object.entries(labels).map(
    ([name, value]) => `${name}="${escapeLabelValue(typeof value === 'number' ? formatValue(value) : value)}"`,
  );
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
}

/** Renders metric families in the Prometheus text exposition format 0.0.4. */
export function renderPrometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.values) {
      lines.push(`${sample.metricName ?? family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * remit's metrics for one or more buses, in the Prometheus text exposition format (serve it with
 * `PROMETHEUS_CONTENT_TYPE`). `@remit/express`'s `metrics(bus)` serves it for you.
 *
 * @example
 * http.createServer((req, res) => {
 *   res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE }).end(prometheusText(bus));
 * });
 */
export function prometheusText(...sources: MetricsSource[]): string {
  const readings = sources.map(readMetrics);
  return renderPrometheusText(
    REMIT_METRICS.map(({ name, help, type, samples }) => ({ name, help, type, values: readings.flatMap(samples) })),
  );
}
