import type { Transport, WireMessage } from '../transport.js';
import type { EnvelopeSource } from '../wire/envelope.js';
import { type AckStatus, readAck, toAckMessage } from '../wire/presence-messages.js';
import type { DeliveryReport, InstanceRef } from './presence-types.js';

export interface DeliveryAcksDeps {
  source: EnvelopeSource;
  transport: Pick<Transport, 'send'>;
}

interface Waiter {
  /** Instances still to answer, by instance id. */
  readonly expected: Map<string, InstanceRef>;
  readonly acked: InstanceRef[];
  readonly failed: InstanceRef[];
  readonly missing: InstanceRef[];
  finish(): void;
}

/**
 * Delivery acks for `publish(…, { ack: true })`, Spring Cloud Bus style: the event names this
 * bus's presence queue in `remit-ack-to`, every instance that ran its handlers for it sends a
 * `remit.ack` there, and the publisher reports who answered and which of the instances live at
 * publish time did not. An instance that leaves while awaited is missing at once, not after the
 * timeout.
 */
export class DeliveryAcks {
  readonly #deps: DeliveryAcksDeps;
  readonly #waiting = new Map<string, Waiter>();

  constructor(deps: DeliveryAcksDeps) {
    this.#deps = deps;
  }

  /** Starts collecting acks for event `id`; call before publishing it. */
  collect(id: string, expected: InstanceRef[], timeoutMs: number): { report: Promise<DeliveryReport>; cancel(): void } {
    let cancel = () => {};
    const report = new Promise<DeliveryReport>((resolve) => {
      const waiter: Waiter = {
        expected: new Map(expected.map((ref) => [ref.instance, { service: ref.service, instance: ref.instance }])),
        acked: [],
        failed: [],
        missing: [],
        finish: () => {
          if (this.#waiting.get(id) !== waiter) return;
          this.#waiting.delete(id);
          clearTimeout(timer);
          waiter.missing.push(...waiter.expected.values());
          waiter.expected.clear();
          resolve({ id, acked: waiter.acked, failed: waiter.failed, missing: waiter.missing });
        },
      };
      const timer = setTimeout(() => waiter.finish(), timeoutMs);
      cancel = () => {
        clearTimeout(timer);
        this.#waiting.delete(id);
      };
      this.#waiting.set(id, waiter);
      if (expected.length === 0) waiter.finish();
    });
    return { report, cancel };
  }

  /** An instance finished its handlers for an awaited event. */
  record(id: string, from: InstanceRef, status: AckStatus): void {
    const waiter = this.#waiting.get(id);
    if (!waiter) return;
    const ref = { service: from.service, instance: from.instance };
    const list = status === 'handled' ? waiter.acked : waiter.failed;
    if (waiter.acked.some((r) => r.instance === ref.instance) || waiter.failed.some((r) => r.instance === ref.instance)) return;
    list.push(ref);
    waiter.expected.delete(ref.instance);
    if (waiter.expected.size === 0) waiter.finish();
  }

  /** An ack arrived on the presence queue. */
  onAckMessage(message: WireMessage): void {
    const ack = readAck(message);
    if (ack) this.record(ack.id, ack.from, ack.status);
  }

  /** An awaited instance left: it will not answer. */
  onLeave(ref: InstanceRef): void {
    for (const waiter of this.#waiting.values()) {
      const expected = waiter.expected.get(ref.instance);
      if (!expected) continue;
      waiter.expected.delete(ref.instance);
      waiter.missing.push(expected);
      if (waiter.expected.size === 0) waiter.finish();
    }
  }

  /** Receiving side: tells the publisher of `event`, if it asked, that this instance ran its handlers. */
  send(event: WireMessage, status: AckStatus): void {
    const message = toAckMessage(this.#deps.source, event, status);
    // Not sent while disconnected: the publisher will list this instance as missing, which it is.
    if (message) this.#deps.transport.send(message, 'direct');
  }
}
