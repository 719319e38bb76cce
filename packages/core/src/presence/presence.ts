import { randomUUID } from 'node:crypto';
import { RemitError, toError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { Transport, WireMessage } from '../transport.js';
import type { Unsubscribe } from '../types.js';
import type { EnvelopeSource } from '../wire/envelope.js';
import { type Announcement, PresenceType, readAnnouncement, toPresenceMessage } from '../wire/presence-messages.js';
import type { DeliveryAcks } from './delivery-acks.js';
import { PresenceRoster } from './presence-roster.js';
import type { InstanceInfo, PresenceChange } from './presence-types.js';

/** How long after it asked the others to announce a joining bus waits before `instances()` answers. */
const JOIN_WINDOW_MS = 1000;
/** Presence messages are tiny and handled at once; a generous prefetch never holds them up. */
const PRESENCE_PREFETCH = 1000;

/** Whether this instance consumes broadcast events, which may begin after start(). */
export interface Listening {
  readonly active: boolean;
  /** Calls `listener` whenever consuming begins. */
  onStarted(listener: () => void): void;
}

/** Under topic routing, what this instance's broadcast queue is bound to, announced so that ack waits are exact. */
export interface Topics {
  /** Undefined under fanout routing. */
  broadcastKeys(): string[] | undefined;
  /** Calls `listener` once the broker has new bindings. */
  onChange(listener: () => void): void;
}

export interface PresenceDeps {
  source: EnvelopeSource;
  self: Omit<Announcement, 'startedAt' | 'listening'>;
  /** Announced as `listening`: publishers wait for acks only from instances that receive broadcasts. */
  broadcast: Listening;
  topics: Topics;
  /** This instance's presence queue, which also receives acks. */
  queue: string;
  transport: Pick<Transport, 'consume' | 'send'>;
  /** Hears the acks that arrive on the presence queue, and the leaves that end a wait for one. */
  acks: Pick<DeliveryAcks, 'onAckMessage' | 'onLeave'>;
  reporter: FailureReporter;
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
  #run = randomUUID();
  /** Runs of other live instances with this instance's id, already reported. */
  readonly #duplicates = new Set<string>();
  #askedAt = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: PresenceDeps) {
    this.#deps = deps;
    // A broadcast consumer that starts after this bus did: the others learn at once that acks for
    // events should now be awaited from this instance.
    deps.broadcast.onStarted(() => {
      if (this.#timer !== null) this.rejoin();
    });
    // New bindings: the others learn at once which events to await acks for from this instance.
    deps.topics.onChange(() => {
      if (this.#timer !== null) this.#send(PresenceType.heartbeat, 'presence');
    });
  }

  /** This instance's presence queue, where acks come back. */
  get queue(): string {
    return this.#deps.queue;
  }

  async start(): Promise<void> {
    this.#startedAt = Date.now();
    this.#run = randomUUID();
    await this.#deps.transport.consume({ kind: 'presence', name: this.#deps.queue }, PRESENCE_PREFETCH, (delivery) => {
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
    const { service, instance, version, heartbeatIntervalMs } = this.#deps.self;
    const self: InstanceInfo = {
      service,
      instance,
      startedAt: new Date(this.#startedAt),
      lastSeen: new Date(now),
      version,
      heartbeatIntervalMs,
      listening: this.#deps.broadcast.active,
      ...this.#topics(),
    };
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
      this.#deps.acks.onAckMessage(message);
      return;
    }
    const announcement = readAnnouncement(message);
    if (!announcement) {
      this.#deps.reporter.report({ kind: 'decode', error: new Error(`Ignored an unreadable presence message (type "${type ?? ''}").`) });
      return;
    }
    if (announcement.instance === this.#deps.self.instance) {
      if (!this.#isOwn(announcement) && type !== PresenceType.goodbye) this.#reportDuplicate(announcement);
      return;
    }
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
    if (change.type === 'leave') this.#deps.acks.onLeave(change);
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (caught) {
        this.#deps.reporter.report({ kind: 'handler', error: toError(caught), handler: 'onPresence listener' });
      }
    }
  }

  /** This run's own announce, heard back from the fanout, rather than another instance's. */
  #isOwn(announcement: Announcement): boolean {
    return announcement.run !== undefined ? announcement.run === this.#run : announcement.startedAt === this.#startedAt;
  }

  /** Another live instance uses this instance id: broadcasts are split between the two, silently unless said. */
  #reportDuplicate(other: Announcement): void {
    const key = other.run ?? String(other.startedAt);
    if (this.#duplicates.has(key)) return;
    if (this.#duplicates.size >= 100) this.#duplicates.clear();
    this.#duplicates.add(key);
    const error = new RemitError(
      `Another live instance of service "${other.service}" (started ${new Date(other.startedAt).toISOString()}) uses this ` +
        `instance's id "${other.instance}": the broadcast queue's events are split between the two, and each drops the ` +
        "other's events as its own. Give every instance its own instanceId (the pod or host name, for instance).",
    );
    this.#deps.reporter.report({ kind: 'duplicate-instance', error });
  }

  /** What this instance says about itself; `listening` is read each time, as consuming may start late. */
  #announcement(): Announcement {
    return { ...this.#deps.self, startedAt: this.#startedAt, listening: this.#deps.broadcast.active, run: this.#run, ...this.#topics() };
  }

  #topics(): { topics: string[] } | Record<string, never> {
    const topics = this.#deps.topics.broadcastKeys();
    return topics === undefined ? {} : { topics };
  }

  #send(type: string, target: 'presence' | 'direct', options: { replyTo?: string; routingKey?: string } = {}): void {
    const message = toPresenceMessage(this.#deps.source, type, this.#announcement(), options.replyTo);
    if (options.routingKey !== undefined) message.routingKey = options.routingKey;
    // Not sent while disconnected: presence has nothing to say then, and the reconnect announces again.
    this.#deps.transport.send(message, target);
  }
}
