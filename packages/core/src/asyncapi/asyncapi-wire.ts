import type { AsyncAPIAmqpChannelBinding } from './asyncapi-document.js';
import type { AsyncAPICodec, JsonSchema } from './asyncapi-schema.js';
import { Header, WIRE_VERSION } from '../wire/headers.js';

// docs/wire-format.md as AsyncAPI: what remit writes on every event, and what a foreign client
// must send. Nothing here is required on receipt (absent headers have defaults), so no header is
// listed as `required`.

const WIRE_GUIDE = 'docs/wire-format.md';

/** The AMQP headers of an event (an AMQP field table). */
export function headersSchema(codec: AsyncAPICodec): JsonSchema {
  return {
    type: 'object',
    description:
      `AMQP headers of a remit event (${WIRE_GUIDE}, version ${WIRE_VERSION}). Names starting with "remit-" are reserved; ` +
      'any other header is an application header, handed to handlers as meta.headers.',
    properties: {
      [Header.version]: {
        type: 'integer',
        enum: [1, WIRE_VERSION],
        description: `Wire format version. Version ${WIRE_VERSION} publishers leave it out (absent means a version both read); version 1 publishers send 1. A receiver dead-letters versions it does not know.`,
      },
      [Header.instance]: { type: 'string', description: 'Id of the publishing instance.' },
      [Header.codec]: {
        type: 'string',
        const: codec,
        description:
          codec === 'json'
            ? 'How the body is encoded; absent means json.'
            : `How the body is encoded; absent means json. Sent as "${codec}" only when the payload needs it: a plain JSON payload goes as json.`,
      },
      [Header.publishedAtMs]: {
        type: 'integer',
        description: 'Publish time in milliseconds since the epoch. Absent when the messageId is a UUIDv7, whose first 48 bits carry it.',
      },
      [Header.toService]: { type: 'string', description: 'Only instances of this service run handlers.' },
      [Header.toInstance]: { type: 'string', description: 'With remit-to-service: only this instance runs handlers.' },
      [Header.ackTo]: { type: 'string', description: 'The publisher waits for acks: name of its presence queue.' },
      traceparent: { type: 'string', description: 'W3C trace context.' },
      tracestate: { type: 'string', description: 'W3C trace context.' },
    },
    additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
  };
}

/**
 * The body: the payload itself for json; for superjson, the payload itself when remit-codec is
 * absent (a plain JSON payload) or superjson's `{ json, meta }` object when it says superjson.
 */
export function bodySchema(payload: JsonSchema, codec: AsyncAPICodec): JsonSchema {
  if (codec === 'json') return payload;
  return { oneOf: [payload, superjsonBody(payload)] };
}

function superjsonBody(payload: JsonSchema): JsonSchema {
  return {
    type: 'object',
    description:
      'superjson body (remit-codec: superjson): "json" is the payload as plain JSON, "meta" the type annotations (Date, bigint, Map, Set …) ' +
      `that revive it (${WIRE_GUIDE}). Without remit-codec, the body is the payload as plain JSON.`,
    properties: {
      json: payload,
      meta: {
        type: 'object',
        description: 'superjson annotations: "values" maps paths in "json" to types; "referentialEqualities" may be ignored.',
        properties: {
          v: { type: 'integer' },
          values: {},
          referentialEqualities: {},
        },
      },
    },
    required: ['json'],
  };
}

export function channelBinding(exchange: string, routing: 'fanout' | 'topic'): AsyncAPIAmqpChannelBinding {
  return {
    is: 'routingKey',
    exchange: { name: exchange, type: routing, durable: true, autoDelete: false },
    bindingVersion: '0.3.0',
  };
}

export const MESSAGE_PROPERTIES =
  'AMQP properties: type = the event name, messageId = a unique id (required; the same on every redelivery; remit sends UUIDv7), ' +
  'timestamp = publish time in seconds, appId = the publishing service, contentType = application/json, ' +
  'deliveryMode = 2 (persistent, the default) or 1.';

export const RECEIVE_DESCRIPTION =
  'Bind a queue to the exchange: an exclusive one to hear every event, or a shared durable group queue for ' +
  'competing consumers (arguments in the wire format guide). Repeated messageIds are dropped; a handler that ' +
  'keeps failing dead-letters the message to remit.dead.';
