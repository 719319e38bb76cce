import type { Message, Options } from 'amqplib';
import type { WireMessage, WireProperties } from '../transport.js';
import { UNDECODABLE_HEADERS } from './safe-headers.js';

/** AMQP basic properties to and from remit's WireMessage (docs/wire-format.md). */

/**
 * The header table last sent, frozen. amqplib makes a message's headers object the prototype of
 * one of its own (`Object.create(headers)` in its publish arguments) and walks it with for-in:
 * every new headers object costs V8 a prototype set-up and a slow walk. Most messages of a bus
 * carry the same headers (wire format 2: `remit-instance` alone), so an equal table is handed
 * over as the same object, which V8 has already set up. Measured with `pnpm bench --wire`'s
 * profiles: amqplib's table encoding and argument set-up fell from 180 to 16 ms per 60,000 events (2.7 µs per event).
 */
let lastHeaders: Readonly<Record<string, unknown>> = Object.freeze({});
let lastCount = 0;

function sameHeaders(headers: Record<string, unknown>): Readonly<Record<string, unknown>> {
  let count = 0;
  for (const key in headers) {
    if (!Object.hasOwn(lastHeaders, key) || lastHeaders[key] !== headers[key]) return remember(headers);
    count++;
  }
  return count === lastCount ? lastHeaders : remember(headers);
}

function remember(headers: Record<string, unknown>): Readonly<Record<string, unknown>> {
  lastHeaders = Object.freeze({ ...headers });
  lastCount = Object.keys(lastHeaders).length;
  return lastHeaders;
}

/** The amqplib publish options of a message; `mandatory`, so a message no queue takes comes back. */
export function toPublishOptions(message: WireMessage): Options.Publish {
  // Hot path of every publish: only the fields that are set, copied one by one (amqplib and the
  // wire have no room for undefined).
  const p = message.properties;
  const options: Options.Publish = { headers: sameHeaders(p.headers), mandatory: true };
  if (p.messageId !== undefined) options.messageId = p.messageId;
  if (p.type !== undefined) options.type = p.type;
  if (p.timestamp !== undefined) options.timestamp = p.timestamp;
  if (p.appId !== undefined) options.appId = p.appId;
  if (p.contentType !== undefined) options.contentType = p.contentType;
  if (p.deliveryMode !== undefined) options.deliveryMode = p.deliveryMode;
  if (p.correlationId !== undefined) options.correlationId = p.correlationId;
  if (p.replyTo !== undefined) options.replyTo = p.replyTo;
  if (p.expiration !== undefined) options.expiration = p.expiration;
  return options;
}

/** Reads a delivered (or returned) message. */
export function fromConsumeMessage(raw: Message): WireMessage {
  // amqplib types properties loosely (`any`) and gives absent ones as undefined; this is the hot
  // path of every delivery, so fields are copied one by one rather than through generic helpers.
  const p = raw.properties;
  const properties: WireProperties = { headers: (p.headers ?? {}) as Record<string, unknown> };
  if (typeof p.messageId === 'string') properties.messageId = p.messageId;
  if (typeof p.type === 'string') properties.type = p.type;
  if (typeof p.timestamp === 'number') properties.timestamp = p.timestamp;
  if (typeof p.appId === 'string') properties.appId = p.appId;
  if (typeof p.contentType === 'string') properties.contentType = p.contentType;
  if (typeof p.deliveryMode === 'number') properties.deliveryMode = p.deliveryMode;
  if (typeof p.correlationId === 'string') properties.correlationId = p.correlationId;
  if (typeof p.replyTo === 'string') properties.replyTo = p.replyTo;
  if (typeof p.expiration === 'string') properties.expiration = p.expiration;
  const message: WireMessage = { routingKey: raw.fields.routingKey, body: raw.content, properties };
  // Set by the header-decoding guard (safe-headers.ts) on a message whose header table it dropped.
  const unreadable: unknown = Reflect.get(p, UNDECODABLE_HEADERS);
  if (typeof unreadable === 'string') message.unreadable = unreadable;
  return message;
}
