import type { ConsumeMessage } from 'amqplib';
import type { Delivery, WireMessage } from '../transport.js';
import type { AckBatcher, TrackedDelivery } from './ack-batcher.js';
import { fromConsumeMessage } from './message-properties.js';

/**
 * One delivery of an AMQP consumer. A class rather than an object of closures: one is made per
 * message, and closures made per message cost more than prototype methods. Acks go through the
 * channel's AckBatcher, which also knows when the channel has closed (an ack is then meaningless:
 * the broker already requeued the message).
 */
export class AmqpDelivery implements Delivery {
  readonly message: WireMessage;
  readonly redelivered: boolean;
  readonly #acks: AckBatcher;
  readonly #tracked: TrackedDelivery;

  constructor(readonly queue: string, raw: ConsumeMessage, acks: AckBatcher) {
    this.message = fromConsumeMessage(raw);
    this.redelivered = raw.fields.redelivered;
    this.#acks = acks;
    this.#tracked = acks.track(raw);
  }

  ack(): void {
    this.#acks.ack(this.#tracked);
  }

  requeue(): void {
    this.#acks.requeue(this.#tracked);
  }
}
