import type { MessagePropertyHeaders } from 'amqplib';
import { Header } from '@remit/core';
import { headerText } from './event-view.js';

/** Why and where a message was dead-lettered, from its `remit-dead-*` headers (docs/wire-format.md). */
export interface DeadInfo {
  reason: string | null;
  error: string | null;
  handler: string | null;
  attempts: number | null;
  /** The delays (ms) it waited in broker delay queues before it was given up (`retry.delays`). */
  delays: number[];
  queue: string | null;
  at: Date | null;
  by: string | null;
}

function numberHeader(value: unknown): number | null {
  const number = typeof value === 'number' ? value : Number(headerText(value) ?? Number.NaN);
  return Number.isFinite(number) ? number : null;
}

/** RabbitMQ's own dead-lettering (a group queue's delivery limit) writes `x-death` instead. */
function fromXDeath(headers: MessagePropertyHeaders): DeadInfo {
  const [first] = headers['x-death'] ?? [];
  const time = first?.time.value;
  return {
    reason: headerText(headers['x-first-death-reason']) ?? first?.reason ?? null,
    error: null,
    handler: null,
    attempts: first?.count ?? null,
    delays: [],
    queue: headerText(headers['x-first-death-queue']) ?? first?.queue ?? null,
    at: typeof time === 'number' ? new Date(time * 1000) : null,
    by: 'rabbitmq',
  };
}

export function deadInfo(headers: MessagePropertyHeaders | undefined): DeadInfo {
  const all = headers ?? {};
  if (all[Header.deadReason] === undefined && all['x-death'] !== undefined) return fromXDeath(all);
  const at = numberHeader(all[Header.deadAt]);
  return {
    reason: headerText(all[Header.deadReason]),
    error: headerText(all[Header.deadError]),
    handler: headerText(all[Header.deadHandler]),
    attempts: numberHeader(all[Header.deadAttempts]),
    delays: (headerText(all[Header.deadDelays]) ?? '').split(',').filter((part) => part !== '').map(Number).filter(Number.isFinite),
    queue: headerText(all[Header.deadQueue]),
    at: at === null ? null : new Date(at),
    by: headerText(all[Header.deadBy]),
  };
}

export function deadRecord(info: DeadInfo): Record<string, unknown> {
  return { ...info, at: info.at?.toISOString() ?? null };
}

/**
 * True for headers a dead-lettering or a delayed retry added: remit's `remit-dead-*` and retry
 * headers, and RabbitMQ's `x-death` family. A replayed event starts its tries afresh.
 */
export function isDeadLetterHeader(name: string): boolean {
  return (
    name.startsWith('remit-dead-') ||
    name === Header.attempt ||
    name === Header.retries ||
    name === Header.retryHandlers ||
    name === Header.delay ||
    name === 'x-death' ||
    name.startsWith('x-first-death-') ||
    name.startsWith('x-last-death-') ||
    // Quorum queues count deliveries in this header; a replayed message starts afresh.
    name === 'x-delivery-count'
  );
}
