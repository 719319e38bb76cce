// The factors of the wire A/B (`pnpm bench --wire`): each is one thing remit does differently from
// raw amqplib, applied alone to raw amqplib's message or consumer. A publisher factor changes the
// message raw amqplib sends; a consumer factor changes how raw amqplib consumes.
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * An instance id as remit draws one for a bus without `instanceId` (wire/instance-id.ts), drawn
 * here rather than imported so that raw amqplib's processes never load @remit/core.
 */
const instance = randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0');

/** Plain JSON; BigInt as a string, Map and Set as they fall (the rich payload loses its types). */
const json = (value) => Buffer.from(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v)));

/** Raw amqplib's message: plain JSON, a content type, transient. The baseline of every factor. */
export function rawMessage(body) {
  return { content: json(body), options: { persistent: false, contentType: 'application/json' } };
}

/**
 * Publisher factors, in the order docs/performance.md lists them. `apply(message, body, at)`
 * changes raw amqplib's message the way remit's wire format (docs/wire-format.md, version 1) does.
 */
export const PUBLISHER_FACTORS = {
  'superjson body': (message, body) => void (message.content = json({ json: body })),
  messageId: (message) => void (message.options.messageId = randomUUID()),
  timestamp: (message, _body, at) => void (message.options.timestamp = Math.floor(at / 1000)),
  appId: (message) => void (message.options.appId = 'bench-publisher'),
  type: (message) => void (message.options.type = 'bench'),
  'deliveryMode 2': (message) => void (message.options.persistent = true),
  mandatory: (message) => void (message.options.mandatory = true),
  'remit-version': (message) => header(message, 'remit-version', 1),
  'remit-instance': (message) => header(message, 'remit-instance', instance),
  'remit-codec': (message) => header(message, 'remit-codec', 'superjson'),
  'remit-published-at': (message, _body, at) => header(message, 'remit-published-at', at),
};

/**
 * Wire format 2's message id: a UUIDv7, whose first 48 bits are the publish time. Only shaped like
 * one here (the rest comes from a v4): what it costs on the wire is the same.
 */
function messageIdV7(message, _body, at) {
  const time = at.toString(16).padStart(12, '0');
  message.options.messageId = `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}

function header(message, name, value) {
  message.options.headers ??= {};
  message.options.headers[name] = value;
}

/** The four `remit-*` headers together: what a header table costs beyond its entries. */
export const ALL_HEADERS = ['remit-version', 'remit-instance', 'remit-codec', 'remit-published-at'];

/** Every publisher factor at once: remit's wire message of version 1, sent by raw amqplib. */
export const ENVELOPE = Object.keys(PUBLISHER_FACTORS);

/**
 * Wire format 2 (docs/wire-format.md): the same properties with a UUIDv7 message id that carries
 * the publish time, a plain JSON body, and of the headers only `remit-instance` (a header at its
 * default is left out).
 */
export const WIRE_V2 = [messageIdV7, 'timestamp', 'appId', 'type', 'deliveryMode 2', 'mandatory', 'remit-instance'];

/** Raw amqplib's message with the named publisher factors applied. */
export function factoredMessage(factors, body) {
  const at = Date.now();
  const message = rawMessage(body);
  // A factor is a name in PUBLISHER_FACTORS, or a function of its own (wire format 2's id).
  for (const factor of factors) (typeof factor === 'function' ? factor : PUBLISHER_FACTORS[factor])(message, body, at);
  return message;
}

/** Consumer factors: raw amqplib's consumer (prefetch 500, an ack per message) with remit's settings. */
export const CONSUMER_FACTORS = {
  'prefetch 250': { prefetch: 250 },
  'batched acks': { batchedAcks: true },
  'prefetch 250 + batched acks': { prefetch: 250, batchedAcks: true },
};
