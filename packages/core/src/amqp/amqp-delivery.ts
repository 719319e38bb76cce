import type { ConsumeMessage } from 'amqplib';
import type { Delivery, WireMessage } from '../transport.js';
import type { AckBatcher, AckState, TrackedDelivery } from './ack-batcher.js';
import { fromConsumeMessage } from './message-properties.js';

/**
 * One delivery of an AMQP consumer. A class rather than an object of closures: one is made per
 * message, and closures made per message cost more than prototype methods. It is also the record
 * the channel's AckBatcher keeps of it, which also knows when the channel has closed (an ack is
 * then meaningless: the broker already requeued the message).
 */
export class AmqpDelivery implements Delivery, TrackedDelivery {
  readonly message: WireMessage;
  readonly redelivered: boolean;
  state: AckState = 'running';
  readonly #acks: AckBatcher;

  constructor(
    readonly queue: string,
    readonly raw: ConsumeMessage,
    acks: AckBatcher,
  ) {
    this.message = fromConsumeMessage(raw);
    this.redelivered = raw.fields.redelivered;
    this.#acks = acks;
    acks.track(this);
  }

  get stale(): boolean {
    return this.#acks.closed;
  }

  ack(): void {
    this.#acks.ack(this);
  }

  requeue(): void {
    this.#acks.requeue(this);
  }
}
