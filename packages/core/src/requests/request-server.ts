import { checkEventName, rejectUnknownKeys, requireRecord } from '../config-checks.js';
import { ClosedError, ConfigError, DecodeError, toError } from '../errors.js';
import { handlerLabel } from '../events/handler-registry.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { BusLifecycle } from '../lifecycle/bus-lifecycle.js';
import type { WorkTracker } from '../lifecycle/work-tracker.js';
import type { Tracing } from '../tracing/tracing.js';
import type { Delivery, QueueSpec, Transport, WireMessage } from '../transport.js';
import type { Unsubscribe } from '../types.js';
import type { Codec, CodecLookup } from '../wire/codecs.js';
import { type DecodedEvent, type EnvelopeSource, fromWireMessage } from '../wire/envelope.js';
import { encodePayload } from '../wire/payload.js';
import type { Observers } from '../observe/observers.js';
import { errorBody, NO_HANDLER_CODE, type Reply, toReplyMessage } from '../wire/reply.js';
import type { HandleOptions, RequestHandler } from './request-types.js';

type Cancel = () => Promise<void>;

export interface RequestServerDeps {
  source: EnvelopeSource;
  codec: Codec;
  codecs: CodecLookup;
  maxPayloadBytes: number;
  /** The service's request queue, e.g. `remit.requests.billing`. */
  queue: Omit<Extract<QueueSpec, { kind: 'requests' }>, 'routingKeys'>;
  prefetch: number;
  transport: Pick<Transport, 'consume' | 'bind' | 'send'>;
  /** Consuming now (starting or started): a new name is bound and served at once. */
  lifecycle: Pick<BusLifecycle, 'consuming' | 'shuttingDown'>;
  /** Keeps the bus's close() waiting for a running handler and its reply. */
  work: Pick<WorkTracker, 'track'>;
  reporter: FailureReporter;
  /** A SERVER span around each request handler; undefined when tracing is off. */
  tracing?: Tracing | undefined;
  /** Hear every request served, when the bus is observed (`bus.observe()`). */
  observers: Observers;
}

interface Served {
  readonly fn: RequestHandler<unknown, unknown>;
  readonly label: string;
  readonly exposeStack: boolean;
}

/**
 * The answering side of request/reply. All request names of a service share one durable queue,
 * `remit.requests.<service>`, bound to the request exchange once per name: the service's instances
 * compete for it, so exactly one answers each request, and a request held by an instance that dies
 * goes back to the queue for another one. Handlers run once (no retry): the caller decides.
 */
export class RequestServer {
  readonly #deps: RequestServerDeps;
  readonly #handlers = new Map<string, Served>();
  #consumer: Promise<Cancel | null> | null = null;

  constructor(deps: RequestServerDeps) {
    this.#deps = deps;
  }

  handle(name: string, fn: RequestHandler<never, unknown>, options: HandleOptions | undefined): Unsubscribe {
    if (this.#deps.lifecycle.shuttingDown) throw new ClosedError();
    checkEventName(name);
    if (typeof fn !== 'function') throw new ConfigError('handler', 'expected a function.');
    if (options !== undefined) rejectUnknownKeys('', requireRecord('options', options), ['exposeStack']);
    if (this.#handlers.has(name)) {
      throw new ConfigError('name', `"${name}" already has a request handler on this bus; one instance answers each request, so one handler serves it.`);
    }
    const served: Served = {
      fn: fn as RequestHandler<unknown, unknown>,
      label: handlerLabel(fn, `${name} request handler`),
      exposeStack: options?.exposeStack === true,
    };
    this.#handlers.set(name, served);
    if (this.#deps.lifecycle.consuming) {
      if (this.#consumer) void this.#bind(name);
      else void this.start();
    }
    return () => {
      if (this.#handlers.get(name) !== served) return;
      this.#handlers.delete(name);
      // The binding stays: other instances of the service may still serve the name. This one now
      // answers it with NoResponderError.
      if (this.#handlers.size === 0 && this.#deps.lifecycle.consuming) void this.#release();
    };
  }

  /** Starts consuming the service's request queue if this bus serves any name; idempotent. */
  start(): Promise<unknown> {
    if (this.#handlers.size === 0) return Promise.resolve();
    const { transport, queue, prefetch, work } = this.#deps;
    this.#consumer ??= transport
      .consume({ ...queue, routingKeys: [...this.#handlers.keys()] }, prefetch, (delivery) => work.track(this.#serve(delivery)))
      .catch((caught: unknown) => {
        this.#consumer = null;
        this.#deps.reporter.report({ kind: 'transport', error: toError(caught) });
        return null;
      });
    return this.#consumer;
  }

  /** Stops consuming; returns the cancel function for the caller to await. */
  async take(): Promise<Cancel | null> {
    const consumer = this.#consumer;
    this.#consumer = null;
    return (await consumer) ?? null;
  }

  async #release(): Promise<void> {
    const cancel = await this.take();
    await cancel?.().catch((caught: unknown) => this.#deps.reporter.report({ kind: 'transport', error: toError(caught) }));
  }

  async #bind(name: string): Promise<void> {
    try {
      await this.#consumer;
      await this.#deps.transport.bind(this.#deps.queue.name, name);
    } catch (caught) {
      this.#deps.reporter.report({ kind: 'transport', error: toError(caught), event: name });
    }
  }

  async #serve(delivery: Delivery): Promise<void> {
    const { message } = delivery;
    const reply = await this.#answer(delivery);
    const replyTo = message.properties.replyTo;
    // Unsent (disconnected) or returned (the asker's connection is gone): nobody could read it.
    // Disconnected, this instance's ack cannot reach the broker either, and another instance answers.
    if (replyTo) this.#deps.transport.send(toReplyMessage(this.#deps.source, replyTo, message.properties.correlationId, reply), 'direct');
    // Acknowledged only once the reply is written: the ack travels behind it on the same
    // channel, so if this instance dies first, the broker hands the request to another one.
    delivery.ack();
  }

  /** Decodes the request and runs its handler; every outcome, even an undecodable request, gets a reply. */
  async #answer(delivery: Delivery): Promise<Reply> {
    const deps = this.#deps;
    const { message } = delivery;
    let request: DecodedEvent;
    try {
      request = fromWireMessage(message, { codecs: deps.codecs, maxPayloadBytes: deps.maxPayloadBytes, redelivered: delivery.redelivered });
    } catch (caught) {
      const error = caught instanceof DecodeError ? caught : new DecodeError('decode-failed', toError(caught).message);
      const { messageId, type } = message.properties;
      deps.reporter.report({ kind: 'decode', error, event: type || message.routingKey, ...(messageId ? { id: messageId } : {}) });
      return { status: 'error', codec: 'json', body: errorBody(error, false) };
    }
    const served = this.#handlers.get(request.name);
    if (!served) {
      const error = { name: 'NoResponderError', message: `instance ${deps.source.instanceId} has no handler for it`, code: NO_HANDLER_CODE };
      return { status: 'error', codec: 'json', body: errorBody(error, false) };
    }
    const answering = this.#run(served, request, delivery.queue, message);
    if (deps.observers.active) deps.observers.emit({ kind: 'serve', request, done: answering });
    return answering;
  }

  /** Runs the request's handler; its result, or what it threw, is the reply. */
  async #run(served: Served, request: DecodedEvent, queue: string, message: WireMessage): Promise<Reply> {
    const deps = this.#deps;
    try {
      const result = await (deps.tracing?.enabled ? deps.tracing.serve(request, message, queue, served.fn) : served.fn(request.payload, request.meta));
      return { status: 'ok', ...encodePayload(deps.codec, `reply to ${request.name}`, result, deps.maxPayloadBytes) };
    } catch (caught) {
      deps.reporter.report({ kind: 'request', error: toError(caught), event: request.name, id: request.meta.id, handler: served.label });
      return { status: 'error', codec: 'json', body: errorBody(caught, served.exposeStack) };
    }
  }
}
