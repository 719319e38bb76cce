import type { CodecLookup } from './codecs.js';
import { Header, RESERVED_PREFIX, text, WIRE_VERSION } from './headers.js';
import { uuidv7, uuidv7Time } from './message-id.js';
import { DecodeError } from '../errors.js';
import type { WireMessage, WireProperties } from '../transport.js';
import type { EventMeta, HeaderValue } from '../types.js';

export interface EnvelopeSource {
  service: string;
  instanceId: string;
}

export interface OutgoingEvent {
  name: string;
  body: Buffer;
  codec: string;
  headers: Record<string, HeaderValue> | undefined;
  persistent: boolean;
  /** `remit-*` headers this kind of message adds: destination, ack address, reply status. */
  control?: Record<string, string | number> | undefined;
  correlationId?: string;
  replyTo?: string;
  /** Per-message TTL in milliseconds (AMQP `expiration`). */
  expiresInMs?: number;
  /** The message id (`meta.id`) the publisher chose; a new UUID otherwise. */
  id?: string | undefined;
}

/** Builds the AMQP message for an event, exactly as docs/wire-format.md describes. */
export function toWireMessage(source: EnvelopeSource, event: OutgoingEvent): WireMessage {
  // Built field by field rather than with conditional spreads: this runs for every message sent.
  const now = Date.now();
  const headers: Record<string, unknown> = {};
  // Own keys only (never inherited ones), as checkHeaders validated them.
  if (event.headers !== undefined) for (const key of Object.keys(event.headers)) headers[key] = event.headers[key];
  if (event.control !== undefined) for (const key of Object.keys(event.control)) headers[key] = event.control[key];
  // Wire format 2: a header at its default is left out (no `remit-version`, no `remit-codec` for
  // json), and the publish time travels in the UUIDv7 message id. Measured: each header costs the
  // publisher and every consumer a field-table entry to write and read (docs/performance.md).
  headers[Header.instance] = source.instanceId;
  if (event.codec !== 'json') headers[Header.codec] = event.codec;
  // An id the publisher chose says nothing of when the event was sent.
  if (event.id !== undefined) headers[Header.publishedAtMs] = now;
  const properties: WireProperties = {
    messageId: event.id ?? uuidv7(now),
    type: event.name,
    timestamp: Math.floor(now / 1000),
    appId: source.service,
    contentType: 'application/json',
    deliveryMode: event.persistent ? 2 : 1,
    headers,
  };
  if (event.correlationId !== undefined) properties.correlationId = event.correlationId;
  if (event.replyTo !== undefined) properties.replyTo = event.replyTo;
  if (event.expiresInMs !== undefined) properties.expiration = String(event.expiresInMs);
  return { routingKey: event.name, body: event.body, properties };
}

/** The `remit-version` values read: 1, which version-1 publishers send, and 2 (version-2 publishers send none). */
const READ_VERSIONS: ReadonlySet<number> = new Set([1, WIRE_VERSION]);

export interface DecodedEvent {
  name: string;
  payload: unknown;
  meta: EventMeta;
}

function isHeaderValue(value: unknown): value is HeaderValue {
  const type = typeof value;
  return value === null || type === 'string' || type === 'number' || type === 'boolean';
}

/** The `meta.headers` of a message without application headers (most): one frozen object for all. */
const NO_HEADERS: Readonly<Record<string, HeaderValue>> = Object.freeze({});

function applicationHeaders(headers: Record<string, unknown>): Readonly<Record<string, HeaderValue>> {
  let result: Record<string, HeaderValue> | undefined;
  for (const key of Object.keys(headers)) {
    if (key.startsWith(RESERVED_PREFIX)) continue;
    const value = headers[key];
    result ??= {};
    if (isHeaderValue(value)) result[key] = value;
    else if (Buffer.isBuffer(value)) result[key] = value.toString('utf8');
  }
  return result ?? NO_HEADERS;
}

/** When the event was published: its header (version 1), its UUIDv7 id (version 2), or its AMQP timestamp. */
function publishedAt(message: WireMessage): Date {
  const ms = message.properties.headers[Header.publishedAtMs];
  if (typeof ms === 'number' && Number.isFinite(ms)) return new Date(ms);
  const fromId = message.properties.messageId === undefined ? undefined : uuidv7Time(message.properties.messageId);
  if (fromId !== undefined) return new Date(fromId);
  const seconds = message.properties.timestamp;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) return new Date(seconds * 1000);
  return new Date();
}

/**
 * Reads an event from a received message. Throws DecodeError (with a short `reason`) for anything
 * that is not a valid remit event; such a message is dead-lettered at once.
 */
export function fromWireMessage(
  message: WireMessage,
  options: { codecs: CodecLookup; maxPayloadBytes: number; redelivered: boolean },
): DecodedEvent {
  const { properties, body } = message;
  if (message.unreadable !== undefined) {
    throw new DecodeError('unreadable-headers', `The message's headers could not be read: ${message.unreadable}.`);
  }
  if (body.length > options.maxPayloadBytes) {
    throw new DecodeError(
      'oversized',
      `The message body is ${body.length} bytes, over the ${options.maxPayloadBytes}-byte limit (maxPayloadBytes).`,
    );
  }
  const name = properties.type || message.routingKey;
  if (!name) throw new DecodeError('missing-name', 'The message has neither a "type" property nor a routing key.');
  const id = properties.messageId;
  if (typeof id !== 'string' || id.length === 0) {
    throw new DecodeError('missing-id', 'The message has no "messageId" property.');
  }
  const headers = properties.headers;
  const version = headers[Header.version];
  if (version !== undefined && !READ_VERSIONS.has(typeof version === 'number' ? version : Number(text(version)))) {
    throw new DecodeError('unsupported-version', `Wire format version ${String(version)} is not supported (expected ${[...READ_VERSIONS].join(' or ')}).`);
  }
  // A message without the header is plain JSON: the simplest thing another language can send.
  const rawCodec = headers[Header.codec];
  const codecName = rawCodec === undefined || rawCodec === null ? 'json' : text(rawCodec);
  if (codecName === undefined) {
    throw new DecodeError('unknown-codec', `The "${Header.codec}" header is a ${typeof rawCodec}, not a codec name.`);
  }
  const codec = options.codecs(codecName);
  if (!codec) {
    throw new DecodeError('unknown-codec', `No codec named "${codecName}" is known to this bus.`);
  }
  let payload: unknown;
  try {
    payload = codec.decode(body);
  } catch (cause) {
    if (cause instanceof DecodeError) throw cause;
    throw new DecodeError('decode-failed', `The "${codecName}" codec could not decode the body.`, { cause });
  }
  return { name, payload, meta: eventMeta(message, options.redelivered) };
}

/** The `meta` handlers get for a message: what its properties and headers say of it. */
export function eventMeta(message: WireMessage, redelivered: boolean): EventMeta {
  const { properties } = message;
  const { headers } = properties;
  const meta: { -readonly [K in keyof EventMeta]: EventMeta[K] } = {
    id: properties.messageId ?? '',
    name: properties.type || message.routingKey,
    service: properties.appId ?? 'unknown',
    instance: text(headers[Header.instance]) ?? 'unknown',
    publishedAt: publishedAt(message),
    redelivered,
    headers: applicationHeaders(headers),
    attempt: 1 + triesBefore(headers[Header.attempt]),
  };
  const key = headers[Header.key];
  if (key !== undefined) {
    const keyText = text(key);
    if (keyText !== undefined) meta.key = keyText;
  }
  return meta;
}

/** Tries made before this delivery (`remit-attempt`, set on a delayed retry); 0 when absent or not a count. */
function triesBefore(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1_000_000 ? value : 0;
}
