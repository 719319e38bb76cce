import type { Channel, ChannelModel } from 'amqplib';

/**
 * The channel exchanges, queues and bindings are declared on, apart from the channels that consume
 * and publish. AMQP closes a channel on any method the broker refuses: a declare of a queue whose
 * node is down (`NOT_FOUND … home node … is down`), a queue or exchange that exists with other
 * arguments (`PRECONDITION_FAILED`). On the consume channel that would take every consumer and
 * unacknowledged delivery with it, and the transport would recycle the whole connection; here it
 * costs the one operation that failed. The next operation opens a new channel.
 *
 * Operations run one at a time, in call order, so a failure closes the channel under no one else's
 * operation, and each sees the effects of those before it.
 */
export class TopologyChannel {
  readonly #model: ChannelModel;
  #channel: Channel | null = null;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(model: ChannelModel) {
    this.#model = model;
  }

  /** Runs `operation` on the topology channel once the operations before it have settled. */
  run<T>(operation: (channel: Channel) => Promise<T>): Promise<T> {
    const result = this.#tail.then(
      () => this.#runNow(operation),
      () => this.#runNow(operation),
    );
    this.#tail = result.catch(() => {});
    return result;
  }

  /** Closes the channel; later operations fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const channel = this.#channel;
    this.#channel = null;
    await channel?.close().catch(() => {});
  }

  async #runNow<T>(operation: (channel: Channel) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('The topology channel is closed.');
    const channel = this.#channel ?? (await this.#open());
    try {
      return await operation(channel);
    } catch (error) {
      // The broker closed the channel after refusing a method (or the connection is going): the
      // next operation gets a fresh one.
      if (this.#channel === channel) this.#channel = null;
      void channel.close().catch(() => {});
      throw error;
    }
  }

  async #open(): Promise<Channel> {
    const channel = await this.#model.createChannel();
    // A refused method also arrives as an 'error' event; the rejected call already says it all.
    channel.on('error', () => {});
    channel.once('close', () => {
      if (this.#channel === channel) this.#channel = null;
    });
    this.#channel = channel;
    return channel;
  }
}

/** The broker's reply code and text of a refused AMQP method, as amqplib reports it. */
function replyOf(error: unknown): { code: number; text: string } | null {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'number') return null;
  return { code: error.code, text: error.message };
}

/**
 * A durable classic queue whose node is down (`404 NOT_FOUND - home node … of durable queue … is
 * down or inaccessible`): it comes back with its node, so it is retried, not given up.
 */
export function isHomeNodeDown(error: unknown): boolean {
  const reply = replyOf(error);
  return reply !== null && reply.code === 404 && /home node .* is down or inaccessible/.test(reply.text);
}

/**
 * A queue of this name exists with other arguments (`406 PRECONDITION_FAILED - inequivalent arg
 * …`): a classic queue where quorum was asked, or one declared with other settings. The broker
 * names the first argument that differs.
 */
export function queueArgumentMismatch(error: unknown): { argument: string } | null {
  const reply = replyOf(error);
  if (reply === null || reply.code !== 406) return null;
  const argument = /inequivalent arg '([^']*)' for queue/.exec(reply.text)?.[1];
  return argument === undefined ? null : { argument };
}

/** An exchange of this name exists with another type; the broker's text says which (`current is 'fanout'`). */
export function exchangeTypeMismatch(error: unknown): { current: string } | null {
  const reply = replyOf(error);
  if (reply === null || reply.code !== 406 || !/inequivalent arg 'type' for exchange/.test(reply.text)) return null;
  return { current: /current is '([^']*)'/.exec(reply.text)?.[1] ?? 'another type' };
}
