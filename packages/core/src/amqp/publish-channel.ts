import type { ConfirmChannel, Options } from 'amqplib';
import { ConnectionError } from '../errors.js';
import type { PublishRequest, PublishTarget, WireMessage } from '../transport.js';
import type { PublishChannel } from './outbox.js';

export interface PublishChannelOptions {
  exchange: string;
  deadLetter: string;
  /** The broker returned a mandatory message: no queue was bound to its exchange. */
  onReturned(target: PublishTarget, message: WireMessage): void;
  /** Makes an error safe to show (no credentials). */
  safe(error: unknown, fallback: string): Error;
}

/** Copies the fields that are set; amqplib's types (and the wire) have no room for `undefined`. */
export function withoutUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function toPublishOptions(message: WireMessage): Options.Publish {
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
    }),
    headers: properties.headers,
    // A message no queue takes is returned instead of vanishing, so it can be reported.
    mandatory: true,
  };
}

/**
 * Adapts a confirm channel to the outbox: publishes with `mandatory`, and turns the broker's
 * answer into one confirm per message. RabbitMQ sends `basic.return` before the `basic.ack` of
 * the same message, so a return is known by the time its confirm arrives.
 */
export function publishChannel(channel: ConfirmChannel, options: PublishChannelOptions): PublishChannel {
  const returned = new Set<string>();
  const key = (exchange: string, messageId: unknown) => `${exchange}\n${String(messageId ?? '')}`;
  channel.on('return', (message: { fields: { exchange: string }; properties: { messageId?: unknown } }) => {
    returned.add(key(message.fields.exchange, message.properties.messageId));
  });
  return {
    write(request: PublishRequest, onConfirm: (error: Error | null) => void): boolean {
      const { message, target } = request;
      const exchange = target === 'dead' ? options.deadLetter : options.exchange;
      const sent = key(exchange, message.properties.messageId);
      try {
        return channel.publish(exchange, message.routingKey, message.body, toPublishOptions(message), (error: unknown) => {
          if (error) {
            onConfirm(options.safe(error, 'The broker rejected the message'));
            return;
          }
          if (!returned.delete(sent)) {
            onConfirm(null);
            return;
          }
          options.onReturned(target, message);
          // An event nobody listens to is delivered as far as it can be; a dead letter that
          // reached no queue is not stored, so it must not count as confirmed.
          onConfirm(target === 'dead' ? new ConnectionError('The dead-letter queue is missing; declaring it again.') : null);
        });
      } catch (error) {
        // amqplib throws when the channel is already closing; the outbox keeps the message.
        onConfirm(options.safe(error, 'Publish failed'));
        return true;
      }
    },
    onDrain(resume: () => void): void {
      channel.once('drain', resume);
    },
  };
}
