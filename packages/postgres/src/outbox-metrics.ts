import { type MetricFamily, renderPrometheusText } from '@remit/core';
import type { RelayStatus } from './relay/relay.js';

/** What `outbox.stats()` answers: the relay's counters and the table's backlog. */
export interface OutboxStats {
  /** What this process's relay is doing. */
  readonly relay: RelayStatus;
  /** Rows this relay sent (broker-confirmed, then deleted) since start. */
  readonly sent: number;
  /** Rows this relay moved to `failed` since start. */
  readonly failed: number;
  /** Rows waiting to be sent, in the table (every writer's). */
  readonly waiting: number;
  /** Rows in `failed`, in the table: poison events kept with their error, for an operator. */
  readonly failedRows: number;
  /** Age of the oldest waiting row in milliseconds, or null when none waits. */
  readonly oldestAgeMs: number | null;
  /** Inbox handler runs whose effects committed, in this process. */
  readonly inboxHandled: number;
  /** Redeliveries the inbox acked without running the handler, in this process. */
  readonly inboxDuplicates: number;
}

const RELAY_STATUSES: readonly RelayStatus[] = ['stopped', 'starting', 'standby', 'active', 'reconnecting'];

/**
 * The outbox's metrics in the shape of core's (`MetricFamily`, the Prometheus text format through
 * `renderPrometheusText`), labelled with the bus's service: the backlog and its age, what this
 * relay sent and failed, the relay's status, and the inbox's runs and skipped redeliveries.
 */
export function outboxMetricFamilies(service: string, stats: OutboxStats): MetricFamily[] {
  const labels = { service };
  const gauge = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', values: [{ labels, value }] });
  const counter = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'counter', values: [{ labels, value }] });
  return [
    gauge('remit_outbox_waiting', 'Outbox rows waiting to be sent (every writer of the table).', stats.waiting),
    gauge('remit_outbox_oldest_age_seconds', 'Age of the oldest waiting outbox row; 0 when none waits.', (stats.oldestAgeMs ?? 0) / 1000),
    gauge('remit_outbox_failed_rows', "Outbox rows in 'failed': poison events kept with their error.", stats.failedRows),
    counter('remit_outbox_sent_total', 'Outbox rows this relay sent (broker-confirmed) and deleted.', stats.sent),
    counter('remit_outbox_failed_total', "Outbox rows this relay moved to 'failed'.", stats.failed),
    {
      name: 'remit_outbox_relay_status',
      help: "This process's relay: 1 for its current status, 0 for the others.",
      type: 'gauge',
      values: RELAY_STATUSES.map((status) => ({ labels: { service, status }, value: stats.relay === status ? 1 : 0 })),
    },
    counter('remit_inbox_handled_total', 'Inbox handler runs whose effects committed.', stats.inboxHandled),
    counter('remit_inbox_duplicates_total', 'Redeliveries the inbox acknowledged without running the handler.', stats.inboxDuplicates),
  ];
}

/** The same, as Prometheus text, to append to the bus's (`prometheusText(bus)`). */
export function outboxPrometheusText(service: string, stats: OutboxStats): string {
  return renderPrometheusText(outboxMetricFamilies(service, stats));
}
