import { checkEventName, checkHeaders, integer, rejectUnknownKeys, requireRecord } from '../config-checks.js';
import { ConfigError, RemitError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { WorkTracker } from '../lifecycle/work-tracker.js';
import type { EventCounters, EventMetrics } from '../metrics/event-metrics.js';
import type { DeliveryAcks } from '../presence/delivery-acks.js';
import type { Presence } from '../presence/presence.js';
import type { DeliveryReport, InstanceRef } from '../presence/presence-types.js';
import { checkOutgoing, type SchemaLookup } from '../schemas/schema-validation.js';
import type { Tracing } from '../tracing/tracing.js';
import type { Transport, WireMessage } from '../transport.js';
import type { AckPublishOptions, BusStats, Destination, PublishOptions } from '../types.js';
import type { Codec, CodecLookup } from '../wire/codecs.js';
import { type EnvelopeSource, eventMeta, fromWireMessage, toWireMessage } from '../wire/envelope.js';
import { Header } from '../wire/headers.js';
import { encodePayload } from '../wire/payload.js';
import { destinationHeaders, matches, parseDestination } from './destinations.js';
import type { Dispatcher } from './dispatcher.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { Observers } from '../observe/observers.js';

const DEFAULT_ACK_TIMEOUT_MS = 5000;
const ACK_TIMEOUT_RANGE = { min: 1, max: 2 ** 31 - 1 };
const PUBLISH_KEYS = ['local', 'headers', 'persistent', 'to', 'ack', 'timeoutMs', 'key'];

export interface EventPublisherDeps {
  source: EnvelopeSource;
  codec: Codec;
  codecs: CodecLookup;
  maxPayloadBytes: number;
  publishTimeoutMs: number;
  /** Payloads of these events are checked before they are sent; null: none are. */
  schemas: SchemaLookup;
  registry: HandlerRegistry;
  /** Runs this instance's own broadcast handlers for a local publish. */
  dispatcher: Pick<Dispatcher, 'run'>;
  /** This instance's broadcast queue: where a delayed retry of a local handler goes. */
  broadcastQueue: string;
  stats: BusStats;
  metrics: EventMetrics;
  transport: Pick<Transport, 'publish'>;
  /** Who is live (the instances an `ack: true` publish waits for), and this bus's presence queue, where acks come back. */
  presence: Pick<Presence, 'live' | 'joined' | 'queue'>;
  acks: Pick<DeliveryAcks, 'collect' | 'record'>;
  work: Pick<WorkTracker, 'track'>;
  reporter: FailureReporter;
  /** A PRODUCER span per publish; undefined when tracing is off. */
  tracing?: Tracing | undefined;
  /** Hear every event sent, when the bus is observed (`bus.observe()`). */
  observers: Observers;
}

/**
 * `publish()`: checks and encodes the event, addresses it (`to`), runs this instance's own
 * broadcast handlers directly, sends it through the transport, and with `ack: true` collects who
 * ran their handlers for it.
 */
export class EventPublisher {
  readonly #deps: EventPublisherDeps;
  /** This instance, as destinations and acks name it. */
  readonly #self: InstanceRef;

  constructor(deps: EventPublisherDeps) {
    this.#deps = deps;
    this.#self = { service: deps.source.service, instance: deps.source.instanceId };
  }

  async publish(name: string, payload: unknown, options: PublishOptions | AckPublishOptions): Promise<DeliveryReport | undefined> {
    const deps = this.#deps;
    checkEventName(name);
    rejectUnknownKeys('', requireRecord('options', options), PUBLISH_KEYS);
    const headers = checkHeaders(options.headers);
    const to = parseDestination(options.to);
    if (options.ack !== undefined && typeof options.ack !== 'boolean') throw new ConfigError('ack', 'expected true or false.');
    const ack = options.ack === true;
    const timeoutMs = 'timeoutMs' in options ? options.timeoutMs : undefined;
    if (timeoutMs !== undefined && !ack) throw new ConfigError('timeoutMs', 'applies only with ack: true (how long to wait for acks).');
    const ackTimeoutMs = integer('timeoutMs', timeoutMs, DEFAULT_ACK_TIMEOUT_MS, ACK_TIMEOUT_RANGE);
    const key = options.key;
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > 255)) {
      throw new ConfigError('key', 'expected a non-empty string of at most 255 bytes (the ordering key).');
    }
    const schema = deps.schemas?.get(name);
    if (schema !== undefined) {
      // The payload as given goes on the wire: every receiver with the schema parses it the same way,
      // which a transformed output could not promise (a string turned into a Date fails z.string()).
      const checking = checkOutgoing(schema, name, payload);
      if (checking !== undefined) await checking;
    }
    const message = toWireMessage(deps.source, {
      name,
      body: encodePayload(deps.codec, name, payload, deps.maxPayloadBytes),
      codec: deps.codec.name,
      headers,
      persistent: options.persistent ?? true,
      control: to || ack || key !== undefined ? controlHeaders(to, ack ? deps.presence.queue : undefined, key) : undefined,
    });
    const self = this.#self;
    const local = options.local !== false && matches(to, self);
    const id = message.properties.messageId ?? '';
    // Awaited: the addressees live now; this instance only when it runs its handlers itself.
    if (ack) await deps.presence.joined();
    // Instances without a broadcast queue never receive the event, so they are not waited for.
    const expected = ack
      ? deps.presence.live().filter((ref) => ref.listening && matches(to, ref) && (local || ref.instance !== self.instance))
      : [];
    const acks = ack ? deps.acks.collect(id, expected, ackTimeoutMs) : null;
    deps.stats.published++;
    const counters = deps.metrics.of(name);
    counters.published++;
    // Started before local handlers run: their spans are its children, as remote handlers' are.
    const span = deps.tracing?.enabled ? deps.tracing.publish(message) : undefined;
    try {
      // Inside the try: should reading the event back for local handlers throw, the span still ends.
      if (local) this.#runLocal(name, message, counters, acks ? (handled) => deps.acks.record(id, self, handled ? 'handled' : 'failed') : undefined);
      const sent = deps.transport.publish({ message, target: 'events', timeoutMs: deps.publishTimeoutMs });
      if (deps.observers.active) deps.observers.emit({ kind: 'send', event: { name, payload, meta: eventMeta(message, false) }, done: sent });
      await sent;
    } catch (error) {
      acks?.cancel();
      span?.fail(error);
      throw error;
    }
    span?.succeed();
    deps.stats.confirmed++;
    counters.confirmed++;
    return acks?.report;
  }

  /** The broker returned an event: no queue is bound to the exchange. */
  onReturn(message: WireMessage): void {
    this.#deps.stats.unroutable++;
    const name = message.properties.type ?? message.routingKey;
    const error = new RemitError(`Event "${name}" reached no queue: no instance or group is listening, so RabbitMQ dropped it.`);
    const id = message.properties.messageId;
    this.#deps.reporter.report({ kind: 'unroutable', error, event: name, ...(id ? { id } : {}) });
  }

  /** This instance's broadcast handlers hear its own event at once, decoded like everyone else's copy. */
  #runLocal(name: string, message: WireMessage, counters: EventCounters, done?: (handled: boolean) => void): void {
    const deps = this.#deps;
    const handlers = deps.registry.takeBroadcast(name);
    if (handlers.length === 0) {
      done?.(true);
      return;
    }
    // Read back exactly as a remote instance would, so local handlers see the same payload and meta.
    const event = fromWireMessage(message, { codecs: deps.codecs, maxPayloadBytes: deps.maxPayloadBytes, redelivered: false });
    const queue = `${deps.source.service}:${deps.source.instanceId}:local`;
    const running = deps.dispatcher.run(handlers, event, message, queue, counters, undefined, deps.broadcastQueue);
    deps.work.track(running.then((outcome) => done?.(outcome === 'handled')));
  }
}

/** The `remit-*` headers a publish adds: its destination, where acks go, its ordering key. */
function controlHeaders(to: Destination | undefined, ackTo: string | undefined, key: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...destinationHeaders(to) };
  if (ackTo !== undefined) headers[Header.ackTo] = ackTo;
  if (key !== undefined) headers[Header.key] = key;
  return headers;
}
