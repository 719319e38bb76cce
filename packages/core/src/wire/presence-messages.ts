import { isRecord } from '../config-checks.js';
import type { WireMessage } from '../transport.js';
import { type EnvelopeSource, toWireMessage } from './envelope.js';
import { Header, text } from './headers.js';

/**
 * Presence and delivery-ack messages on the wire (docs/wire-format.md): announces, heartbeats and
 * goodbyes on the presence exchange, acks sent straight to a publisher's presence queue. Bodies are
 * plain JSON, so another language can take part.
 */

/** Message types on the presence exchange and presence queues. */
export const PresenceType = {
  announce: 'remit.announce',
  heartbeat: 'remit.heartbeat',
  goodbye: 'remit.goodbye',
  ack: 'remit.ack',
} as const;

/** What an instance says about itself in every announce, heartbeat and goodbye. */
export interface Announcement {
  service: string;
  instance: string;
  startedAt: number;
  version: string | null;
  heartbeatIntervalMs: number;
  /** Whether it consumes broadcast events (has a broadcast handler); absent on the wire means true. */
  listening: boolean;
  /**
   * Under topic routing, the event names and patterns its broadcast queue is bound with: it receives
   * (and acks) only matching events. Absent: it receives every event (fanout routing, older instances).
   */
  topics?: string[];
  /**
   * A random id of this run of the bus: tells its own echo from another live instance that uses
   * the same instance id. Optional on the wire (older and other-language instances omit it).
   */
  run?: string;
}

/** An announce, heartbeat or goodbye; `replyTo` asks the others to answer there with an announce. */
export function toPresenceMessage(source: EnvelopeSource, type: string, announcement: Announcement, replyTo?: string): WireMessage {
  return toWireMessage(source, {
    name: type,
    body: Buffer.from(JSON.stringify(announcement)),
    codec: 'json',
    headers: undefined,
    persistent: false,
    ...(replyTo === undefined ? {} : { replyTo }),
  });
}

/** Reads an announce, heartbeat or goodbye; null for anything malformed. */
export function readAnnouncement(message: WireMessage): Announcement | null {
  const body = parseJson(message);
  if (!isRecord(body)) return null;
  const { service, instance, startedAt, version, heartbeatIntervalMs, listening, run, topics } = body;
  if (typeof service !== 'string' || typeof instance !== 'string') return null;
  if (typeof startedAt !== 'number' || typeof heartbeatIntervalMs !== 'number' || heartbeatIntervalMs <= 0) return null;
  if (text(message.properties.headers[Header.instance]) !== instance) return null;
  return {
    service,
    instance,
    startedAt,
    version: typeof version === 'string' ? version : null,
    heartbeatIntervalMs,
    // Older or other-language instances that do not say are taken to listen.
    listening: listening !== false,
    ...(typeof run === 'string' ? { run } : {}),
    ...(readTopics(topics) ?? {}),
  };
}

const MAX_TOPICS = 10_000;

/** `topics` when it is a list of names, else nothing (the instance is then taken to hear every event). */
function readTopics(value: unknown): { topics: string[] } | null {
  if (!Array.isArray(value) || value.length > MAX_TOPICS) return null;
  const topics: string[] = [];
  for (const topic of value) {
    if (typeof topic !== 'string' || topic.length > 255) return null;
    topics.push(topic);
  }
  return { topics };
}

/** How an instance's handlers ended for an event whose publisher asked for acks. */
export type AckStatus = 'handled' | 'failed';

/** The ack for `event` to the queue it names in `remit-ack-to`; null when its publisher did not ask. */
export function toAckMessage(source: EnvelopeSource, event: WireMessage, status: AckStatus): WireMessage | null {
  const ackTo = text(event.properties.headers[Header.ackTo]);
  const id = event.properties.messageId;
  if (!ackTo || !id) return null;
  const message = toWireMessage(source, {
    name: PresenceType.ack,
    body: Buffer.from(JSON.stringify({ status })),
    codec: 'json',
    headers: undefined,
    persistent: false,
    correlationId: id,
  });
  message.routingKey = ackTo;
  return message;
}

/** Reads an ack: which event (`id`), from whom, and how it ended; null for anything malformed. */
export function readAck(message: WireMessage): { id: string; from: { service: string; instance: string }; status: AckStatus } | null {
  const { correlationId, appId, headers } = message.properties;
  const instance = text(headers[Header.instance]);
  if (correlationId === undefined || appId === undefined || instance === undefined) return null;
  const body = parseJson(message);
  if (body === undefined) return null;
  const status = isRecord(body) && body.status === 'failed' ? 'failed' : 'handled';
  return { id: correlationId, from: { service: appId, instance }, status };
}

function parseJson(message: WireMessage): unknown {
  try {
    return JSON.parse(message.body.toString('utf8'));
  } catch {
    return undefined;
  }
}
