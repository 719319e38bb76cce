import type { ConsumeMessage, Options } from 'amqplib';
import type { WireMessage } from '../transport.js';

/** AMQP basic properties to and from remit's WireMessage (docs/wire-format.md). */

/** Copies the fields that are set; amqplib's types (and the wire) have no room for `undefined`. */
export function withoutUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

export function toPublishOptions(message: WireMessage): Options.Publish {
  const { properties } = message;
  return {
    ...withoutUndefined({
      messageId: properties.messageId,
      type: properties.type,
      timestamp: properties.timestamp,
      appId: properties.appId,
      contentType: properties.contentType,
      deliveryMode: properties.deliveryMode,
      correlationId: properties.correlationId,
      replyTo: properties.replyTo,
      expiration: properties.expiration,
    }),
    headers: properties.headers,
    // A message no queue takes is returned instead of vanishing, so it can be reported.
    mandatory: true,
  };
}

/** Reads a delivered message. */
export function fromConsumeMessage(raw: ConsumeMessage): WireMessage {
  const { properties } = raw;
  // amqplib types properties loosely (`any`); these are the fields remit reads, narrowed here.
  const optional = (value: unknown) => (value === undefined || value === null ? undefined : value);
  return {
    routingKey: raw.fields.routingKey,
    body: raw.content,
    properties: {
      ...withoutUndefined({
        messageId: optional(properties.messageId) as string | undefined,
        type: optional(properties.type) as string | undefined,
        timestamp: optional(properties.timestamp) as number | undefined,
        appId: optional(properties.appId) as string | undefined,
        contentType: optional(properties.contentType) as string | undefined,
        deliveryMode: optional(properties.deliveryMode) as number | undefined,
        correlationId: optional(properties.correlationId) as string | undefined,
        replyTo: optional(properties.replyTo) as string | undefined,
        expiration: optional(properties.expiration) as string | undefined,
      }),
      headers: (properties.headers ?? {}) as Record<string, unknown>,
    },
  };
}
