import type { Channel } from 'amqplib';
import { Header } from '../wire/headers.js';
import { DEFAULT_DEAD_LETTER, DEFAULT_EXCHANGE, type NormalizedAmqpOptions } from './amqp-options.js';

/**
 * Delayed retries without a broker plugin (the delayed-message plugin is archived and does not
 * run on RabbitMQ 4.3+). A retry copy is published to the headers exchange `remit.delay` with
 * routing key = the queue it failed in and header `remit-delay` = the delay in ms; the exchange
 * puts it in `remit.delay.<ms>`, a quorum queue whose every message has that TTL; when it expires
 * the queue dead-letters it (at least once) to the direct exchange `remit.retry`, which routes it
 * by its routing key back to the queue it failed in (every broadcast and group queue is bound
 * there under its own name). A queue that is gone by then: `remit.retry`'s alternate exchange is
 * the dead-letter exchange, so nothing vanishes.
 *
 * One delay queue per delay value, shared by every queue and handler: a queue's messages expire
 * only at its head, so one queue must hold one delay. Delay queues do not expire: a quorum queue's
 * `x-expires` deletes it even while it holds messages (measured on 3.10.8: the lease is renewed
 * only by consumers), and a waiting retry must outlive its instance and the broker's restarts.
 */

/**
 * The names of a bus's retry topology. The retry exchange's alternate exchange is the bus's
 * dead-letter exchange, and an exchange's arguments cannot change, so buses with another events
 * exchange or another dead-letter exchange than the defaults get their own: suffixed
 * `@<exchange>`, and `@<exchange>:<deadLetter>` when the dead-letter exchange is not the default.
 */
export function retryNames(options: Pick<NormalizedAmqpOptions, 'exchange' | 'deadLetter'>): { retry: string; delay: string; queue(ms: number): string } {
  const exchange = options.exchange === DEFAULT_EXCHANGE ? '' : `@${options.exchange}`;
  const suffix = options.deadLetter === DEFAULT_DEAD_LETTER ? exchange : `@${options.exchange}:${options.deadLetter}`;
  return {
    retry: `remit.retry${suffix}`,
    delay: `remit.delay${suffix}`,
    queue: (ms) => `remit.delay.${ms}${suffix}`,
  };
}

/** The two exchanges: where retry copies go in, and where expired ones come out. */
export async function declareRetryExchanges(channel: Channel, options: NormalizedAmqpOptions): Promise<void> {
  const names = retryNames(options);
  await channel.assertExchange(names.retry, 'direct', { durable: true, alternateExchange: options.deadLetter });
  await channel.assertExchange(names.delay, 'headers', { durable: true });
}

/** Binds a consumed queue to the retry exchange under its own name, so its delayed retries come back to it. */
export async function bindForRetries(channel: Channel, queue: string, options: NormalizedAmqpOptions): Promise<void> {
  await channel.bindQueue(queue, retryNames(options).retry, queue);
}

/** The delay queue of one delay value, bound to the delay exchange by its `remit-delay` header. */
export async function declareDelayQueue(channel: Channel, ms: number, options: NormalizedAmqpOptions): Promise<void> {
  const names = retryNames(options);
  const queue = names.queue(ms);
  await channel.assertQueue(queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-message-ttl': ms,
      'x-dead-letter-exchange': names.retry,
      // At-least-once dead-lettering (it needs reject-publish): an expired retry is not lost
      // between the delay queue and its target, even across a broker restart.
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  });
  await channel.bindQueue(queue, names.delay, '', { 'x-match': 'all', [Header.delay]: String(ms) });
}
