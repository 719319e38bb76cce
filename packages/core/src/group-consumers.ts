import type { HandlerRegistry } from './handler-registry.js';
import { toError } from './retry.js';
import type { Delivery } from './transport.js';

type Cancel = () => Promise<void>;

export interface GroupConsumersDeps {
  registry: HandlerRegistry;
  /** Declares and consumes `remit.group.<group>`; resolves to a cancel function. */
  consume(group: string, onDelivery: (delivery: Delivery) => void): Promise<Cancel>;
  onDelivery(group: string, delivery: Delivery): void;
  onError(error: Error): void;
}

/**
 * One consumer per group this instance has handlers for: started when the first handler of a
 * group appears, cancelled when the last one leaves, so the group's other instances take over.
 */
export class GroupConsumers {
  readonly #deps: GroupConsumersDeps;
  readonly #consumers = new Map<string, Promise<Cancel | null>>();

  constructor(deps: GroupConsumersDeps) {
    this.#deps = deps;
  }

  /** Starts consuming the group's queue unless already done; idempotent. */
  ensure(group: string): Promise<unknown> {
    let consumer = this.#consumers.get(group);
    if (!consumer) {
      consumer = this.#deps
        .consume(group, (delivery) => this.#deps.onDelivery(group, delivery))
        .catch((caught: unknown) => {
          this.#consumers.delete(group);
          this.#deps.onError(toError(caught));
          return null;
        });
      this.#consumers.set(group, consumer);
    }
    return consumer;
  }

  /** Cancels the consumers of groups that have no handler left on this instance. */
  releaseIdle(): void {
    for (const [group, consumer] of this.#consumers) {
      if (this.#deps.registry.hasGroupHandlers(group)) continue;
      this.#consumers.delete(group);
      void consumer.then((cancel) => cancel?.()).catch((caught: unknown) => this.#deps.onError(toError(caught)));
    }
  }

  /** Removes every consumer; returns their cancel functions for the caller to await. */
  async takeAll(): Promise<(Cancel | null)[]> {
    const cancels = await Promise.all(this.#consumers.values());
    this.#consumers.clear();
    return cancels;
  }
}
