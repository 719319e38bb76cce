import type { WireMessage } from '../transport.js';
import { Header } from './headers.js';

/** Longest error text written to a dead letter's headers. */
const MAX_HEADER_TEXT = 1024;

export interface DeadLetterDetails {
  reason: string;
  error: string;
  queue: string;
  deadBy: string;
  event?: string;
  handler?: string;
  attempts?: number;
  /** `validation-failed` only: the schema's issues as bounded JSON (see schema-issues.ts). */
  issues?: string;
}

/** The original message, unchanged but for headers saying why it was dead-lettered. */
export function toDeadLetter(message: WireMessage, details: DeadLetterDetails): WireMessage {
  const headers: Record<string, unknown> = {
    ...message.properties.headers,
    [Header.deadReason]: details.reason,
    [Header.deadError]: details.error.slice(0, MAX_HEADER_TEXT),
    [Header.deadQueue]: details.queue,
    [Header.deadAt]: Date.now(),
    [Header.deadBy]: details.deadBy,
  };
  if (details.event !== undefined) headers[Header.deadEvent] = details.event;
  if (details.handler !== undefined) headers[Header.deadHandler] = details.handler;
  if (details.attempts !== undefined) headers[Header.deadAttempts] = details.attempts;
  if (details.issues !== undefined) headers[Header.deadIssues] = details.issues;
  return {
    routingKey: message.routingKey,
    body: message.body,
    // Dead letters are kept for an operator, so they are always written to disk.
    properties: { ...message.properties, deliveryMode: 2, headers },
  };
}
