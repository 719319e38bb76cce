import type { Channel, ConsumeMessage } from 'amqplib';
import type { Delivery, WireMessage } from '../transport.js';
import { fromConsumeMessage } from './message-properties.js';

/** Whether a consumer's channel has closed; shared by the deliveries it made. */
export interface ChannelState {
  closed: boolean;
}

/**
 * One delivery of an AMQP consumer. A class rather than an object of closures: one is made per
 * message, and closures made per message cost more than prototype methods.
 */
export class AmqpDelivery implements Delivery {
  readonly message: WireMessage;
  readonly redelivered: boolean;
  readonly #raw: ConsumeMessage;
  readonly #channel: Channel;
  readonly #state: ChannelState;

  constructor(readonly queue: string, raw: ConsumeMessage, channel: Channel, state: ChannelState) {
    this.message = fromConsumeMessage(raw);
    this.redelivered = raw.fields.redelivered;
    this.#raw = raw;
    this.#channel = channel;
    this.#state = state;
  }

  // An ack on a channel that has closed is meaningless: the broker already requeued the message.
  ack(): void {
    if (!this.#state.closed) this.#channel.ack(this.#raw);
  }

  requeue(): void {
    if (!this.#state.closed) this.#channel.nack(this.#raw, false, true);
  }
}
