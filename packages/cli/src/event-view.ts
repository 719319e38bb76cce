import type { Message, MessageProperties } from 'amqplib';
import { Header, type HeaderValue, jsonCodec, SuperjsonCodec, uuidv7Time } from '@remit/core';

/** What the CLI shows of one event message, decoded without a bus (so nothing is dead-lettered). */
export interface EventView {
  name: string;
  id: string | null;
  service: string | null;
  instance: string | null;
  publishedAt: Date | null;
  /** The destination (`publish(…, { to })`): `service` or `service:instance`; null for every instance. */
  to: string | null;
  codec: string;
  /** Application headers (no `remit-*`), as handlers see them in `meta.headers`. */
  headers: Record<string, HeaderValue>;
  /** The decoded payload: Dates, Maps, Sets restored (for display). */
  payload: unknown;
  /** The payload as plain JSON (superjson's `json` part), for `--json` output. */
  json: unknown;
  /** Why the body could not be decoded; `json` then holds what could be read, or the raw text. */
  error?: string;
}

// Decoding only: no classes are registered, so a class-tagged payload shows as its plain data.
const superjson = new SuperjsonCodec();

/** Text of a header value that may arrive as a byte array. */
export function headerText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function applicationHeaders(headers: Record<string, unknown>): Record<string, HeaderValue> {
  const result: Record<string, HeaderValue> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith('remit-') || key.startsWith('x-')) continue;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      result[key] = value;
    } else if (Buffer.isBuffer(value)) {
      result[key] = value.toString('utf8');
    }
  }
  return result;
}

function publishedAt(properties: MessageProperties, headers: Record<string, unknown>): Date | null {
  const ms = headers[Header.publishedAtMs];
  if (typeof ms === 'number' && Number.isFinite(ms)) return new Date(ms);
  // Wire format 2: the UUIDv7 message id carries the publish time.
  const fromId = typeof properties.messageId === 'string' ? uuidv7Time(properties.messageId) : undefined;
  if (fromId !== undefined) return new Date(fromId);
  const seconds: unknown = properties.timestamp;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) return new Date(seconds * 1000);
  return null;
}

function decode(codec: string, body: Buffer): Pick<EventView, 'payload' | 'json' | 'error'> {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { payload: text, json: text, error: 'the body is not JSON' };
  }
  if (codec === jsonCodec.name) return { payload: parsed, json: parsed };
  if (codec !== superjson.name) return { payload: parsed, json: parsed, error: `unknown codec "${codec}"` };
  const json = typeof parsed === 'object' && parsed !== null && 'json' in parsed ? parsed.json : parsed;
  try {
    return { payload: superjson.decode(body), json };
  } catch (caught) {
    return { payload: json, json, error: caught instanceof Error ? caught.message : String(caught) };
  }
}

function destination(headers: Record<string, unknown>): string | null {
  const service = headerText(headers[Header.toService]);
  if (service === null) return null;
  const instance = headerText(headers[Header.toInstance]);
  return instance === null ? service : `${service}:${instance}`;
}

/** Reads an AMQP message as remit's wire format (docs/wire-format.md) describes it. */
export function viewEvent(message: Pick<Message, 'content' | 'properties' | 'fields'>): EventView {
  const { properties } = message;
  // amqplib leaves headers undefined on messages published without any.
  const headers: Record<string, unknown> = properties.headers ?? {};
  const type: unknown = properties.type;
  const messageId: unknown = properties.messageId;
  const appId: unknown = properties.appId;
  const codecHeader = headers[Header.codec];
  // A message without the header is plain JSON (wire format: absent means json).
  const codec = codecHeader === undefined || codecHeader === null ? jsonCodec.name : (headerText(codecHeader) ?? '?');
  return {
    name: (typeof type === 'string' && type) || message.fields.routingKey,
    id: typeof messageId === 'string' && messageId ? messageId : null,
    service: typeof appId === 'string' && appId ? appId : null,
    instance: headerText(headers[Header.instance]),
    publishedAt: publishedAt(properties, headers),
    to: destination(headers),
    codec,
    headers: applicationHeaders(headers),
    ...decode(codec, message.content),
  };
}

/** The JSON-lines form of an event. */
export function eventRecord(view: EventView): Record<string, unknown> {
  return {
    name: view.name,
    id: view.id,
    service: view.service,
    instance: view.instance,
    publishedAt: view.publishedAt?.toISOString() ?? null,
    to: view.to,
    codec: view.codec,
    headers: view.headers,
    payload: view.json,
    ...(view.error === undefined ? {} : { error: view.error }),
  };
}
