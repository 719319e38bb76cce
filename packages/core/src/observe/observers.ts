import type { Delivery } from '../transport.js';
import type { Unsubscribe } from '../types.js';
import type { BusActivity, BusObserver } from './bus-activity.js';

/**
 * Who observes this bus (`bus.observe()`), and the one place activity is handed to them. Every
 * part that reports asks `active` first, so a bus nobody observes pays one property read per event
 * and builds nothing.
 */
export class Observers {
  #observers: readonly BusObserver[] = [];
  /** Whether anyone observes this bus. */
  active = false;

  add(observer: BusObserver): Unsubscribe {
    this.#observers = [...this.#observers, observer];
    this.active = true;
    return () => {
      this.#observers = this.#observers.filter((existing) => existing !== observer);
      this.active = this.#observers.length > 0;
    };
  }

  emit(activity: BusActivity): void {
    for (const observer of this.#observers) {
      try {
        observer(activity);
      } catch (caught) {
        // An observer runs on the bus's own path; its bug must not fail a publish or a delivery.
        process.emitWarning(`A bus observer threw on "${activity.kind}": ${String(caught)}`, { code: 'REMIT_OBSERVER' });
      }
    }
  }

  /** The same delivery, reporting when it is acknowledged (true) or requeued (false). */
  delivery(delivery: Delivery): Delivery {
    const { message } = delivery;
    let settle: (acked: boolean) => void = () => {};
    const done = new Promise<boolean>((resolve) => (settle = resolve));
    const id = message.properties.messageId ?? '';
    this.emit({ kind: 'delivery', id, name: message.properties.type || message.routingKey, queue: delivery.queue, done });
    return {
      message,
      queue: delivery.queue,
      redelivered: delivery.redelivered,
      ack() {
        delivery.ack();
        settle(true);
      },
      requeue() {
        delivery.requeue();
        settle(false);
      },
    };
  }
}
