import type { WireMessage } from '../transport.js';
import { Header } from './headers.js';

/**
 * Headers RabbitMQ adds on its own: the dead-lettering records (x-death, x-first-death-*,
 * x-last-death-*) and a quorum queue's count of deliveries (x-delivery-count): they describe the
 * message's past deliveries, not the event.
 */
const BROKER_HEADER = /^x-(death$|first-death-|last-death-|delivery-count$)/;

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
  /** The delays (ms, comma-separated) the event waited in delay queues before it was given up. */
  delays?: string;
}

/**
 * Original headers larger than this (measured as JSON, which is close to, and for binary values
 * larger than, their AMQP size) are left out of a dead letter: amqplib cannot encode a header table
 * over 64 KiB, and a dead letter that cannot be sent would stay in its queue forever.
 */
export const MAX_KEPT_HEADER_BYTES = 48 * 1024;

function headersFit(headers: Record<string, unknown>): boolean {
  try {
    return Buffer.byteLength(JSON.stringify(headers)) <= MAX_KEPT_HEADER_BYTES;
  } catch {
    return false;
  }
}

/**
 * The original message, unchanged but for headers saying why it was dead-lettered. Its own headers
 * are left out, and `remit-dead-headers-dropped` says so, when they could not be read on arrival,
 * are too large to send again, or `keepHeaders` is false (sending them failed).
 */
export function toDeadLetter(message: WireMessage, details: DeadLetterDetails, keepHeaders = true): WireMessage {
  const original = message.properties.headers;
  const keep = keepHeaders && message.unreadable === undefined && headersFit(original);
  const headers: Record<string, unknown> = {};
  if (keep) {
    // The broker's x-death records of the delay queues it went through say nothing an operator
    // needs, and would make `remit dead list` take it for one the broker dead-lettered itself.
    for (const key of Object.keys(original)) if (!BROKER_HEADER.test(key)) headers[key] = original[key];
  } else {
    headers[Header.deadHeadersDropped] = true;
  }
  headers[Header.deadReason] = details.reason;
  headers[Header.deadError] = details.error.slice(0, MAX_HEADER_TEXT);
  headers[Header.deadQueue] = details.queue;
  headers[Header.deadAt] = Date.now();
  headers[Header.deadBy] = details.deadBy;
  if (details.event !== undefined) headers[Header.deadEvent] = details.event;
  if (details.handler !== undefined) headers[Header.deadHandler] = details.handler;
  if (details.attempts !== undefined) headers[Header.deadAttempts] = details.attempts;
  if (details.issues !== undefined) headers[Header.deadIssues] = details.issues;
  if (details.delays !== undefined) headers[Header.deadDelays] = details.delays;
  return {
    routingKey: message.routingKey,
    body: message.body,
    // Dead letters are kept for an operator, so they are always written to disk.
    properties: { ...message.properties, deliveryMode: 2, headers },
  };
}
