import { randomUUID } from 'node:crypto';
import type { Channel, ConfirmChannel, GetMessage, Options } from 'amqplib';
import type { BrokerConnection } from './connection.js';
import { isNotFound } from './connection.js';
import { isDeadLetterHeader } from './dead-letter-view.js';
import { CliError } from './errors.js';

/** Number of messages ready in the dead-letter queue; a clear error when there is no such queue. */
export async function deadQueueDepth(connection: BrokerConnection, queue: string): Promise<number> {
  // A failed check closes its channel, so it gets one of its own.
  const channel = await connection.channel();
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } catch (caught) {
    if (isNotFound(caught)) {
      throw new CliError(
        `there is no queue "${queue}" on this broker and vhost: no bus has declared it. Check --dead-letter and the URL's vhost.`,
      );
    }
    throw caught;
  } finally {
    await channel.close().catch(() => {});
  }
}

/** Fails clearly when the exchange to replay to does not exist (publishing to it would close the channel). */
export async function requireExchange(connection: BrokerConnection, exchange: string): Promise<void> {
  const channel = await connection.channel();
  try {
    await channel.checkExchange(exchange);
  } catch (caught) {
    if (isNotFound(caught)) {
      throw new CliError(`there is no exchange "${exchange}" on this broker and vhost: nothing was replayed. Check --exchange.`);
    }
    throw caught;
  } finally {
    await channel.close().catch(() => {});
  }
}

/**
 * Takes up to `limit` messages with basic.get without acknowledging them. The caller settles each
 * (ack to remove, nack with requeue to leave in place); closing the channel requeues the rest.
 * Unacknowledged messages are not handed out again on the same channel, so each is seen once.
 */
export async function takeDeadLetters(channel: Channel, queue: string, limit: number): Promise<GetMessage[]> {
  const messages: GetMessage[] = [];
  while (messages.length < limit) {
    const message = await channel.get(queue, { noAck: false });
    if (message === false) break;
    messages.push(message);
  }
  return messages;
}

/** Puts messages back where they were (RabbitMQ requeues to the original position when it can). */
export function putBack(channel: Channel, messages: readonly GetMessage[]): void {
  for (const message of messages) channel.nack(message, false, true);
}

export interface ReplayTarget {
  exchange: string;
  routingKey: string;
}

/** The original message's properties, without what dead-lettering added. */
export function replayProperties(message: GetMessage, options: { newId: boolean; keepName: boolean }): Options.Publish {
  const source = message.properties;
  const headers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source.headers ?? {})) {
    if (!isDeadLetterHeader(key)) headers[key] = value;
  }
  const properties: Options.Publish = { headers, mandatory: true };
  // amqplib types every property as `any`; each is copied only when present.
  const copy = <K extends keyof Options.Publish>(key: K, value: unknown) => {
    if (value !== undefined && value !== null) properties[key] = value as Options.Publish[K];
  };
  copy('contentType', source.contentType);
  copy('contentEncoding', source.contentEncoding);
  copy('deliveryMode', source.deliveryMode);
  copy('priority', source.priority);
  copy('correlationId', source.correlationId);
  copy('replyTo', source.replyTo);
  copy('expiration', source.expiration);
  copy('timestamp', source.timestamp);
  copy('appId', source.appId);
  copy('messageId', options.newId ? randomUUID() : source.messageId);
  // Sent straight to a queue, the routing key becomes the queue name: `type` keeps the event name.
  copy('type', source.type ?? (options.keepName ? message.fields.routingKey : undefined));
  // userId is left out: RabbitMQ refuses a user-id other than the connection's own user.
  return properties;
}

/**
 * Publishes with `mandatory` and waits for the broker's confirm. Resolves false when the broker
 * returned the message because no queue took it.
 */
export function republish(
  channel: ConfirmChannel,
  target: ReplayTarget,
  message: GetMessage,
  properties: Options.Publish,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let returned = false;
    // basic.return arrives before the confirm of the same message, so the flag is set in time.
    const onReturn = () => {
      returned = true;
    };
    channel.once('return', onReturn);
    channel.publish(target.exchange, target.routingKey, message.content, properties, (error: unknown) => {
      channel.off('return', onReturn);
      if (error) reject(error instanceof Error ? error : new Error('the broker refused the publish (nack)'));
      else resolve(!returned);
    });
  });
}
