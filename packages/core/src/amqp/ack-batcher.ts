import type { Message } from 'amqplib';

/** The two channel methods the batcher writes with (amqplib's Channel). */
export interface AckChannel {
  ack(message: Message, allUpTo?: boolean): void;
  reject(message: Message, requeue?: boolean): void;
}

/** Where a delivery's acknowledgement is: not yet settled, settled and waiting for the batch, or sent. */
export type AckState = 'running' | 'acked' | 'sent';

/**
 * A delivery the batcher knows of (the consumer's delivery object itself, so that a delivery is one
 * object, not two); pass it back to `ack` or `requeue`.
 */
export interface TrackedDelivery {
  readonly raw: Message;
  state: AckState;
}

/**
 * Acknowledges the deliveries of one channel in batches. Each ack frame costs a socket write on
 * both ends (TCP noDelay is on for latency), so acks settled in the same turn of the event loop go
 * out as one `multiple` ack covering the longest run of settled deliveries, oldest first. A
 * delivery settled behind one still running is acked on its own, so a slow handler never holds
 * back the acks (and prefetch slots) of fast ones. Requeues are sent at once.
 */
export class AckBatcher {
  readonly #channel: AckChannel;
  /** Deliveries in arrival order (ascending delivery tags); entries before #head are settled and sent. */
  #tracked: TrackedDelivery[] = [];
  #head = 0;
  #scheduled = false;
  #closed = false;

  constructor(channel: AckChannel) {
    this.#channel = channel;
  }

  /** Whether the channel is gone (close() was called): nothing it delivered can be acked any more. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Registers a delivery (its state 'running'), in the order the channel delivered it. */
  track(tracked: TrackedDelivery): void {
    this.#tracked.push(tracked);
  }

  /** Acks the delivery with the next batch. A second settle of the same delivery is ignored. */
  ack(tracked: TrackedDelivery): void {
    if (this.#closed || tracked.state !== 'running') return;
    tracked.state = 'acked';
    this.#schedule();
  }

  /**
   * Puts the delivery back in its queue, at once. A reject rather than a nack: RabbitMQ 4.3 counts
   * rejects, not nacks, toward a quorum queue's delivery limit, which must still catch a message
   * that keeps failing.
   */
  requeue(tracked: TrackedDelivery): void {
    if (this.#closed || tracked.state !== 'running') return;
    tracked.state = 'sent';
    this.#channel.reject(tracked.raw, true);
    this.#schedule();
  }

  /** Sends every pending ack now (before the channel closes). */
  flush(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    const tracked = this.#tracked;
    let lastAcked: TrackedDelivery | null = null;
    while (this.#head < tracked.length) {
      const next = tracked[this.#head];
      if (next === undefined || next.state === 'running') break;
      if (next.state === 'acked') lastAcked = next;
      next.state = 'sent';
      this.#head++;
    }
    // `multiple` acks every outstanding delivery up to this one; requeued ones are no longer outstanding.
    if (lastAcked) this.#channel.ack(lastAcked.raw, true);
    for (let index = this.#head; index < tracked.length; index++) {
      const straggler = tracked[index];
      if (straggler?.state !== 'acked') continue;
      straggler.state = 'sent';
      this.#channel.ack(straggler.raw, false);
    }
    if (this.#head > 1024 && this.#head * 2 > tracked.length) {
      this.#tracked = tracked.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The channel is gone: the broker requeued whatever was not acked, so nothing more is sent. */
  close(): void {
    this.#closed = true;
    this.#tracked = [];
    this.#head = 0;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After the deliveries of this socket read have been handled, so their acks share a frame.
    setImmediate(() => this.flush());
  }
}
