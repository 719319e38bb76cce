import { checkHeaders, integer, rejectUnknownKeys, requireRecord } from '../config-checks.js';
import { ConfigError, PayloadTooLargeError, RemitError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { WorkTracker } from '../lifecycle/work-tracker.js';
import type { EventCounters, EventMetrics } from '../metrics/event-metrics.js';
import type { DeliveryAcks } from '../presence/delivery-acks.js';
import type { Presence } from '../presence/presence.js';
import type { DeliveryReport, InstanceRef } from '../presence/presence-types.js';
import { checkOutgoing, type SchemaLookup } from '../schemas/schema-validation.js';
import type { Tracing } from '../tracing/tracing.js';
import type { Transport, WireMessage } from '../transport.js';
import type { AckPublishOptions, Destination, EncodedEvent, HeaderValue, PublishOptions } from '../types.js';
import type { BusStats } from '../bus-state.js';
import type { Codec, CodecLookup } from '../wire/codecs.js';
import { type EnvelopeSource, eventMeta, fromWireMessage, toWireMessage } from '../wire/envelope.js';
import { Header } from '../wire/headers.js';
import { type EncodedPayload, encodePayload } from '../wire/payload.js';
import { destinationHeaders, matches, parseDestination } from './destinations.js';
import type { HandlerRunner } from './handler-runner.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { Observers } from '../observe/observers.js';
import { checkPublishedName, hears } from './topic-patterns.js';

const DEFAULT_ACK_TIMEOUT_MS = 5000;
const ACK_TIMEOUT_RANGE = { min: 1, max: 2 ** 31 - 1 };
const PUBLISH_KEYS = ['local', 'headers', 'persistent', 'to', 'ack', 'timeoutMs', 'id', 'key'];
/** AMQP's `messageId` is a short string, and a header value short enough: at most 255 bytes. */
const MAX_ID_BYTES = 255;
/** Stands for the payload of an event published from its encoded body (publishEncoded). */
const ENCODED = Symbol('encoded');

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
  runner: Pick<HandlerRunner, 'run'>;
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

/** What an ack collection (`ack: true`) gives the publish that asked for it. */
type AckCollection = ReturnType<DeliveryAcks['collect']>;

/** An event on its way out: its message, and what observers and local handlers need of it. */
interface Sending {
  name: string;
  message: WireMessage;
  /** Whether this instance's own broadcast handlers run it directly. */
  local: boolean;
  body: Buffer;
  codec: string;
  payload: unknown;
}

/** Publish options after their checks. */
interface CheckedOptions {
  headers: Record<string, HeaderValue> | undefined;
  to: ReturnType<typeof parseDestination>;
  ack: boolean;
  ackTimeoutMs: number;
  key: string | undefined;
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

  /**
   * Not async: an async function returning #send's promise would cost a promise and two microtask
   * hops per event on top of it. A check that throws rejects instead, as from an async function.
   */
  publish(name: string, payload: unknown, options: PublishOptions | AckPublishOptions): Promise<DeliveryReport | undefined> {
    try {
      const checked = this.#checkOptions(name, options);
      // Waited for only with an async schema: otherwise the event reaches the transport in this
      // tick, so publishes keep their call order and the outbox counts them at once.
      const checking = this.#encodeChecked(name, payload);
      if (checking instanceof Promise) return checking.then(({ body, codec }) => this.#send(name, body, codec, options, checked, payload));
      return this.#send(name, checking.body, checking.codec, options, checked, payload);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** What `publish` checks and encodes, without sending: for a publisher that sends later (an outbox). */
  async encode(name: string, payload: unknown, options: PublishOptions): Promise<EncodedEvent> {
    this.#checkOptions(name, options);
    return { name, ...(await this.#encodeChecked(name, payload)) };
  }

  /** Sends an event `encode` built (here or in another process with the same codecs), as `publish` would. */
  async publishEncoded(event: EncodedEvent, options: PublishOptions): Promise<DeliveryReport | undefined> {
    const deps = this.#deps;
    const { name, codec, body } = requireRecord('event', event);
    checkPublishedName(name);
    const checked = this.#checkOptions(name, options);
    if (typeof codec !== 'string' || deps.codecs(codec) === undefined) {
      throw new ConfigError('event.codec', `expected the name of a codec this bus knows (${deps.codec.name} or json), got ${JSON.stringify(codec)}.`);
    }
    if (!Buffer.isBuffer(body)) throw new ConfigError('event.body', 'expected a Buffer, as encode() returns.');
    if (body.length > deps.maxPayloadBytes) throw new PayloadTooLargeError(name, body.length, deps.maxPayloadBytes);
    return this.#send(name, body, codec, options, checked, ENCODED);
  }

  /** The checks of an event name and publish options, each throwing ConfigError naming the field. */
  #checkOptions(name: unknown, options: PublishOptions | AckPublishOptions): CheckedOptions {
    checkPublishedName(name);
    rejectUnknownKeys('', requireRecord('options', options), PUBLISH_KEYS);
    const headers = checkHeaders(options.headers);
    const to = parseDestination(options.to);
    if (options.ack !== undefined && typeof options.ack !== 'boolean') throw new ConfigError('ack', 'expected true or false.');
    const ack = options.ack === true;
    const timeoutMs = 'timeoutMs' in options ? options.timeoutMs : undefined;
    if (timeoutMs !== undefined && !ack) throw new ConfigError('timeoutMs', 'applies only with ack: true (how long to wait for acks).');
    const ackTimeoutMs = integer('timeoutMs', timeoutMs, DEFAULT_ACK_TIMEOUT_MS, ACK_TIMEOUT_RANGE);
    const id = options.id;
    if (id !== undefined && (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > MAX_ID_BYTES)) {
      throw new ConfigError('id', `an event id is a non-empty string of at most ${MAX_ID_BYTES} bytes.`);
    }
    const key = options.key;
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > MAX_ID_BYTES)) {
      throw new ConfigError('key', `expected a non-empty string of at most ${MAX_ID_BYTES} bytes (the ordering key).`);
    }
    return { headers, to, ack, ackTimeoutMs, key };
  }

  /** Checks the payload against its schema, then encodes it within maxPayloadBytes; a promise only for an async schema. */
  #encodeChecked(name: string, payload: unknown): EncodedPayload | Promise<EncodedPayload> {
    const deps = this.#deps;
    const schema = deps.schemas?.get(name);
    // The payload as given goes on the wire: every receiver with the schema parses it the same way,
    // which a transformed output could not promise (a string turned into a Date fails z.string()).
    const checking = schema === undefined ? undefined : checkOutgoing(schema, name, payload);
    if (checking !== undefined) return checking.then(() => encodePayload(deps.codec, name, payload, deps.maxPayloadBytes));
    return encodePayload(deps.codec, name, payload, deps.maxPayloadBytes);
  }

  /** Builds the message and sends it; with `ack: true`, once presence says whom to wait for. */
  #send(
    name: string,
    body: Buffer,
    codec: string,
    options: PublishOptions | AckPublishOptions,
    checked: CheckedOptions,
    /** The payload, for observers; ENCODED when only the body is at hand (decoded for them then). */
    payload: unknown,
  ): Promise<DeliveryReport | undefined> {
    const deps = this.#deps;
    const { headers, to, ack, key } = checked;
    const message = toWireMessage(deps.source, {
      name,
      body,
      codec,
      headers,
      persistent: options.persistent ?? true,
      control: to || ack || key !== undefined ? controlHeaders(to, ack ? deps.presence.queue : undefined, key) : undefined,
      id: options.id,
    });
    const local = options.local !== false && matches(to, this.#self);
    const sending = { name, message, local, body, codec, payload };
    if (ack) return this.#sendAcked(sending, to, checked.ackTimeoutMs);
    // Not async: most publishes ask for no ack, and an async function's suspended frame was the
    // largest allocation of a publish (1.2 KB, heap profile of `pnpm bench`'s publisher).
    return this.#transmit(sending, null);
  }

  async #sendAcked(sending: Sending, to: Destination | undefined, timeoutMs: number): Promise<DeliveryReport> {
    const deps = this.#deps;
    const self = this.#self;
    // The addressees live now; this instance only when it runs its handlers itself. Instances
    // without a broadcast queue never receive the event, so they are not waited for; nor are those
    // whose queue is bound (topic routing) for other events only.
    await deps.presence.joined();
    const expected = deps.presence
      .live()
      .filter((ref) => ref.listening && hears(ref, sending.name) && matches(to, ref) && (sending.local || ref.instance !== self.instance));
    const acks = deps.acks.collect(sending.message.properties.messageId ?? '', expected, timeoutMs);
    await this.#transmit(sending, acks);
    return acks.report;
  }

  /** Counts the event, runs this instance's own handlers (`local`) and sends it; settles once the broker confirmed it. */
  #transmit({ name, message, local, body, codec, payload }: Sending, acks: AckCollection | null): Promise<undefined> {
    const deps = this.#deps;
    deps.stats.published++;
    const counters = deps.metrics.of(name);
    counters.published++;
    // Started before local handlers run: their spans are its children, as remote handlers' are.
    const span = deps.tracing?.enabled ? deps.tracing.publish(message) : undefined;
    const fail = (error: unknown): Promise<never> => {
      acks?.cancel();
      span?.fail(error);
      return Promise.reject(error);
    };
    let sent: Promise<void>;
    try {
      // Inside the try: should reading the event back for local handlers throw, the span still ends.
      if (local) this.#runLocal(name, message, counters, acks ? this.#recordLocal(message) : undefined);
      sent = deps.transport.publish({ message, target: 'events', timeoutMs: deps.publishTimeoutMs });
      if (deps.observers.active) {
        const sentPayload = payload === ENCODED ? deps.codecs(codec)?.decode(body) : payload;
        deps.observers.emit({ kind: 'send', event: { name, payload: sentPayload, meta: eventMeta(message, false) }, done: sent });
      }
    } catch (error) {
      return fail(error);
    }
    const confirmed = (): undefined => {
      span?.succeed();
      deps.stats.confirmed++;
      counters.confirmed++;
      return undefined;
    };
    return span === undefined && acks === null ? sent.then(confirmed) : sent.then(confirmed, fail);
  }

  /** How this instance's own handlers of an `ack: true` publish count among its acks. */
  #recordLocal(message: WireMessage): (handled: boolean) => void {
    const id = message.properties.messageId ?? '';
    return (handled) => this.#deps.acks.record(id, this.#self, handled ? 'handled' : 'failed');
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
    const running = deps.runner.run(handlers, event, message, queue, counters, undefined, deps.broadcastQueue);
    if (running instanceof Promise) deps.work.track(running.then((outcome) => done?.(outcome === 'handled')));
    // Recorded after this turn, as for handlers that return a promise: a failure to record it is
    // the work tracker's to report, and never stops the event from being sent.
    else if (done) deps.work.track(Promise.resolve(running).then((outcome) => done(outcome === 'handled')));
  }
}

/** The `remit-*` headers a publish adds: its destination, where acks go, its ordering key. */
function controlHeaders(to: Destination | undefined, ackTo: string | undefined, key: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...destinationHeaders(to) };
  if (ackTo !== undefined) headers[Header.ackTo] = ackTo;
  if (key !== undefined) headers[Header.key] = key;
  return headers;
}
