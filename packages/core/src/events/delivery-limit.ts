import type { Delivery } from '../transport.js';
import type { QueueRole } from './dispatcher.js';

/** Handles one delivery; a promise only while its handling is not done. */
type Handle = (delivery: Delivery, role: QueueRole) => Promise<void> | undefined;

interface Waiting {
  delivery: Delivery;
  role: QueueRole;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * At most `limit` deliveries of one queue being handled at once (the bus's `queueConcurrency`); the
 * others wait here, in the order they arrived. This is what lets prefetch be larger than the
 * number of handler runs a queue may have in flight: the broker keeps the consumer's buffer full
 * (fewer pauses and credit round trips for it, measured in `pnpm bench`), while a slow handler
 * still never has more than `limit` runs at once. A delivery handled synchronously never counts.
 */
export class DeliveryLimit {
  readonly #limit: number;
  readonly #handle: Handle;
  readonly #waiting: Waiting[] = [];
  #running = 0;
  #closed = false;

  constructor(limit: number, handle: Handle) {
    this.#limit = limit;
    this.#handle = handle;
  }

  /**
   * Handles the delivery now, or once a slot is free; the promise settles when it was handled. A
   * handler that throws synchronously rejects it, as from an async function: a throw here would
   * reach amqplib's consumer callback and close the channel.
   */
  run(delivery: Delivery, role: QueueRole): Promise<void> | undefined {
    if (this.#closed) return undefined;
    if (this.#running >= this.#limit || this.#waiting.length > 0) {
      return new Promise((resolve, reject) => this.#waiting.push({ delivery, role, resolve, reject }));
    }
    return this.#start(delivery, role);
  }

  #start(delivery: Delivery, role: QueueRole): Promise<void> | undefined {
    let handling: Promise<void> | undefined;
    try {
      handling = this.#handle(delivery, role);
    } catch (error) {
      return Promise.reject(error);
    }
    if (handling === undefined) return undefined;
    this.#running++;
    return handling.then(this.#done, this.#failed);
  }

  readonly #done = (): void => {
    this.#running--;
    this.#next();
  };

  readonly #failed = (error: unknown): never => {
    this.#done();
    throw error;
  };

  /**
   * The consumer is closing: every waiting delivery, and any that still arrives before its cancel
   * takes effect, is left unhandled and unacknowledged, for the broker to give out again when the
   * channel closes. Their promises resolve, so close() waits only for the handlers already running.
   */
  close(): void {
    this.#closed = true;
    for (const waiting of this.#waiting.splice(0)) waiting.resolve();
  }

  /** Starts waiting deliveries while there is room; one handled synchronously frees its slot at once. */
  #next(): void {
    while (this.#running < this.#limit) {
      const waiting = this.#waiting.shift();
      if (waiting === undefined) return;
      // Its channel closed while it waited: the broker has requeued it, so it is not handled here.
      if (waiting.delivery.stale === true) {
        waiting.resolve();
        continue;
      }
      const handling = this.#start(waiting.delivery, waiting.role);
      if (handling === undefined) waiting.resolve();
      else handling.then(waiting.resolve, waiting.reject);
    }
  }
}
