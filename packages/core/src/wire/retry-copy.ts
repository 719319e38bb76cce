import type { WireMessage } from '../transport.js';
import { Header } from './headers.js';

/** What a delayed retry carries (docs/wire-format.md, "Delayed retries"). */
export interface RetryCopy {
  /** The queue the event goes back to: the one it failed in. */
  queue: string;
  /** The handlers that failed and run again; the others already handled it. */
  handlers: readonly string[];
  /** Tries made so far, on every instance. */
  attempt: number;
  /** Delayed redeliveries so far, this one included. */
  retries: number;
  delayMs: number;
}

/**
 * The copy of an event that waits in a delay queue, then goes back to its queue: the same id,
 * properties and body, remit's retry headers, and none of the broker's `x-*` headers (a copied
 * `x-death` naming the target queue makes RabbitMQ 3.x drop the message as a dead-letter cycle).
 */
export function toRetryCopy(message: WireMessage, retry: RetryCopy): WireMessage {
  const headers: Record<string, unknown> = {};
  const original = message.properties.headers;
  for (const key of Object.keys(original)) {
    if (key.startsWith('x-') || key.startsWith('remit-dead-')) continue;
    headers[key] = original[key];
  }
  headers[Header.retryHandlers] = retry.handlers.join(',');
  headers[Header.attempt] = retry.attempt;
  headers[Header.retries] = retry.retries;
  headers[Header.delay] = String(retry.delayMs);
  const { expiration: _expiration, ...properties } = message.properties;
  return {
    // Routed by queue name from here on; the event's name stays in `type`.
    routingKey: retry.queue,
    body: message.body,
    properties: { ...properties, type: properties.type ?? message.routingKey, deliveryMode: 2, headers },
  };
}

/** Delayed redeliveries an event has had (`remit-retries`); 0 for a first delivery. */
export function retriesOf(message: WireMessage): number {
  const value = message.properties.headers[Header.retries];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}
