import type { ConfirmChannel } from 'amqplib';
import { ConnectionError, MessageEncodingError } from '../errors.js';
import type { PublishRequest, PublishTarget, WireMessage } from '../transport.js';
import { toPublishOptions } from './message-properties.js';
import type { PublishChannel } from './outbox.js';

export interface PublishChannelOptions {
  exchange: string;
  deadLetter: string;
  /** The headers exchange of delay queues. */
  delayExchange: string;
  /** The broker returned a mandatory message: no queue was bound to its exchange. */
  onReturned(target: PublishTarget, message: WireMessage): void;
  /** Makes an error safe to show (no credentials). */
  safe(error: unknown, fallback: string): Error;
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
    write(request: PublishRequest, onConfirm: (error: Error | null, permanent?: boolean) => void): boolean {
      const { message, target } = request;
      const exchange = target === 'dead' ? options.deadLetter : target === 'delay' ? options.delayExchange : options.exchange;
      try {
        return channel.publish(exchange, message.routingKey, message.body, toPublishOptions(message), (error: unknown) => {
          if (error) {
            onConfirm(options.safe(error, 'The broker rejected the message'));
            return;
          }
          // Returns are rare: the key is built only when there is one to match.
          if (returned.size === 0 || !returned.delete(key(exchange, message.properties.messageId))) {
            onConfirm(null);
            return;
          }
          options.onReturned(target, message);
          // An event nobody listens to is delivered as far as it can be; a dead letter or a
          // delayed retry that reached no queue is not stored, so it must not count as confirmed.
          onConfirm(target === 'events' ? null : new ConnectionError(`The ${target === 'dead' ? 'dead-letter' : 'delay'} queue is missing; declaring it again.`));
        });
      } catch (error) {
        // amqplib's encoder throws RangeError or TypeError for a message it can never encode (a
        // header table over 64 KiB): rejected for good, so it cannot hold up the outbox.
        if (error instanceof RangeError || error instanceof TypeError) {
          const name = message.properties.type ?? message.routingKey;
          onConfirm(new MessageEncodingError(`The message "${name}"`, options.safe(error, 'encoding failed')), true);
          return true;
        }
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
