import { type EnvelopeSource, Header, text, toWireMessage } from './envelope.js';
import { type Announcement, PresenceRoster } from './presence-roster.js';
import type { InstanceInfo, PresenceChange } from './presence-types.js';
import { toError } from './retry.js';
import type { Delivery, QueueSpec, SendTarget, WireMessage } from './transport.js';
import type { FailureReport, Unsubscribe } from './types.js';
import { isRecord } from './validate.js';

type Cancel = () => Promise<void>;

/** Message types on the presence exchange and presence queues (docs/wire-format.md). */
export const PresenceType = {
  announce: 'remit.announce',
  heartbeat: 'remit.heartbeat',
  goodbye: 'remit.goodbye',
  ack: 'remit.ack',
} as const;

/** How long after it asked the others to announce a joining bus waits before `instances()` answers. */
const JOIN_WINDOW_MS = 1000;

export interface PresenceDeps {
  source: EnvelopeSource;
  self: Omit<Announcement, 'startedAt'>;
  /** This instance's presence queue, which also receives acks. */
  queue: string;
  consume(spec: QueueSpec, onDelivery: (delivery: Delivery) => void): Promise<Cancel>;
  send(message: WireMessage, target: SendTarget): boolean;
  /** An ack for an event this bus published with `ack: true`. */
  onAck(message: WireMessage): void;
  report(failure: FailureReport): void;
}

/**
 * Who is out there. Each bus announces itself on start (asking the others to answer, so it knows
 * everyone at once), heartbeats, and says goodbye on close; it keeps a roster of the others from
 * what it hears. Presence travels on its own fanout exchange and per-instance queues, so it never
 * reaches event handlers or group queues, and a slow handler never delays a heartbeat.
 */
export class Presence {
  readonly #deps: PresenceDeps;
  readonly #roster = new PresenceRoster();
  readonly #listeners = new Set<(change: PresenceChange) => void>();
  #startedAt = Date.now();
  #askedAt = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: PresenceDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    this.#startedAt = Date.now();
    await this.#deps.consume({ kind: 'presence', name: this.#deps.queue }, (delivery) => {
      delivery.ack();
      this.#receive(delivery.message);
    });
    this.rejoin();
    this.#timer = setInterval(() => this.#tick(), this.#deps.self.heartbeatIntervalMs);
    this.#timer.unref();
  }

  /** Announces this instance and asks every other one to answer: on start, and after a reconnect. */
  rejoin(): void {
    this.#askedAt = Date.now();
    this.#send(PresenceType.announce, 'presence', { replyTo: this.#deps.queue });
  }

  /** Stops heartbeating and says goodbye, so the others drop this instance at once. */
  stop(): void {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
    this.#send(PresenceType.goodbye, 'presence');
  }

  /** Resolves once the others had time to answer this instance's announce (at once, long after start). */
  async joined(): Promise<void> {
    const wait = this.#askedAt + JOIN_WINDOW_MS - Date.now();
    if (this.#askedAt > 0 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** Live instances, this one included; right after start, waits until the others had time to answer. */
  async instances(): Promise<InstanceInfo[]> {
    await this.joined();
    return this.live();
  }

  /** Live instances now, this one included. */
  live(): InstanceInfo[] {
    this.#sweep();
    const now = Date.now();
    const self: InstanceInfo = { ...this.#deps.self, startedAt: new Date(this.#startedAt), lastSeen: new Date(now) };
    return [self, ...this.#roster.list()].sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
  }

  listen(listener: (change: PresenceChange) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #tick(): void {
    this.#sweep();
    this.#send(PresenceType.heartbeat, 'presence');
  }

  #sweep(): void {
    for (const change of this.#roster.sweep(Date.now(), this.#deps.self.instance)) this.#emit(change);
  }

  #receive(message: WireMessage): void {
    const type = message.properties.type;
    if (type === PresenceType.ack) {
      this.#deps.onAck(message);
      return;
    }
    const announcement = parseAnnouncement(message);
    if (!announcement) {
      this.#deps.report({ kind: 'decode', error: new Error(`Ignored an unreadable presence message (type "${type ?? ''}").`) });
      return;
    }
    if (announcement.instance === this.#deps.self.instance) return;
    const now = Date.now();
    if (type === PresenceType.goodbye) {
      const change = this.#roster.goodbye(announcement, now);
      if (change) this.#emit(change);
      return;
    }
    const change = this.#roster.seen(announcement, now);
    if (change) this.#emit(change);
    const replyTo = message.properties.replyTo;
    if (type === PresenceType.announce && replyTo) this.#send(PresenceType.announce, 'direct', { routingKey: replyTo });
  }

  #emit(change: PresenceChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (caught) {
        this.#deps.report({ kind: 'handler', error: toError(caught), handler: 'onPresence listener' });
      }
    }
  }

  #send(type: string, target: 'presence' | 'direct', options: { replyTo?: string; routingKey?: string } = {}): void {
    const deps = this.#deps;
    const announcement: Announcement = { ...deps.self, startedAt: this.#startedAt };
    const message = toWireMessage(deps.source, {
      name: type,
      body: Buffer.from(JSON.stringify(announcement)),
      codec: 'json',
      headers: undefined,
      persistent: false,
      ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }),
    });
    if (options.routingKey !== undefined) message.routingKey = options.routingKey;
    // Not sent while disconnected: presence has nothing to say then, and the reconnect announces again.
    deps.send(message, target);
  }
}

function parseAnnouncement(message: WireMessage): Announcement | null {
  let body: unknown;
  try {
    body = JSON.parse(message.body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isRecord(body)) return null;
  const { service, instance, startedAt, version, heartbeatIntervalMs, listening } = body;
  if (typeof service !== 'string' || typeof instance !== 'string') return null;
  if (typeof startedAt !== 'number' || typeof heartbeatIntervalMs !== 'number' || heartbeatIntervalMs <= 0) return null;
  if (text(message.properties.headers[Header.instance]) !== instance) return null;
  return {
    service,
    instance,
    startedAt,
    version: typeof version === 'string' ? version : null,
    heartbeatIntervalMs,
    // Older or other-language instances that do not say are taken to listen.
    listening: listening !== false,
  };
}
