import { type EnvelopeSource, Header, text, toWireMessage } from './envelope.js';
import { PresenceType } from './presence.js';
import type { DeliveryReport, InstanceRef } from './presence-types.js';
import type { SendTarget, WireMessage } from './transport.js';
import { isRecord } from './validate.js';

export interface DeliveryAcksDeps {
  source: EnvelopeSource;
  send(message: WireMessage, target: SendTarget): boolean;
}

interface Waiter {
  /** Instances still to answer, by instance id. */
  readonly expected: Map<string, InstanceRef>;
  readonly acked: InstanceRef[];
  readonly failed: InstanceRef[];
  readonly missing: InstanceRef[];
  finish(): void;
}

type AckStatus = 'handled' | 'failed';

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
    const { correlationId, appId, headers } = message.properties;
    const instance = text(headers[Header.instance]);
    if (correlationId === undefined || appId === undefined || instance === undefined) return;
    let body: unknown;
    try {
      body = JSON.parse(message.body.toString('utf8'));
    } catch {
      return;
    }
    const status = isRecord(body) && body.status === 'failed' ? 'failed' : 'handled';
    this.record(correlationId, { service: appId, instance }, status);
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
    const ackTo = text(event.properties.headers[Header.ackTo]);
    const id = event.properties.messageId;
    if (!ackTo || !id) return;
    const deps = this.#deps;
    const message = toWireMessage(deps.source, {
      name: PresenceType.ack,
      body: Buffer.from(JSON.stringify({ status })),
      codec: 'json',
      headers: undefined,
      persistent: false,
      correlationId: id,
    });
    message.routingKey = ackTo;
    // Not sent while disconnected: the publisher will list this instance as missing, which it is.
    deps.send(message, 'direct');
  }
}
