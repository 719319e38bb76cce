import type { Attributes, Context, Span, SpanContext, Tracer, TracerProvider } from '@opentelemetry/api';
import type { DecodedEvent } from '../wire/envelope.js';
import { text } from '../wire/headers.js';
import { type OtelApiModule, otelApi } from './otel-api.js';
import { formatTraceparent, parseTraceparent, TRACEPARENT, TRACESTATE } from './trace-context.js';
import type { WireMessage } from '../transport.js';
import type { EventMeta } from '../types.js';

/** The instrumentation scope remit's spans are reported under. */
export const TRACER_NAME = '@remit/core';

// OpenTelemetry's messaging semantic conventions (RabbitMQ flavour), plus remit's own.
const SYSTEM = 'messaging.system';
const OPERATION_TYPE = 'messaging.operation.type';
const OPERATION_NAME = 'messaging.operation.name';
const DESTINATION = 'messaging.destination.name';
const SUBSCRIPTION = 'messaging.destination.subscription.name';
const ROUTING_KEY = 'messaging.rabbitmq.destination.routing_key';
const MESSAGE_ID = 'messaging.message.id';
const CONVERSATION_ID = 'messaging.message.conversation_id';
const BODY_SIZE = 'messaging.message.body.size';
const CONSUMER_GROUP = 'messaging.consumer.group.name';
const ERROR_TYPE = 'error.type';
const PUBLISHER_SERVICE = 'remit.publisher.service';
const PUBLISHER_INSTANCE = 'remit.publisher.instance';
const REDELIVERED = 'remit.redelivered';
const OUTCOME = 'remit.outcome';
// SpanStatusCode.ERROR, a stable value of the API (only the API's types are imported here).
const STATUS_ERROR = 2;

/** Why handling an event failed: the dead-letter reason, which the `process` span reports as `error.type`. */
export type HandlingFailure = 'handler-failed' | 'validation-failed';

/** What the dispatcher tells the span of the event it runs handlers for. */
export interface HandlingSpan {
  /** A handler failed for good, or the payload failed its schema: recorded on the span. */
  recordFailure(reason: HandlingFailure, error: Error): void;
}

/** How a traced operation (a publish, a request) ended. */
export interface OperationSpan {
  succeed(): void;
  fail(error: unknown): void;
}

/** The outcomes of handling an event, as the dispatcher names them. */
type Outcome = 'handled' | 'dead-lettered' | 'delayed' | 'kept' | 'abandoned';

/** The span event and status text of each outcome that is not a success. */
const OUTCOME_EVENTS = {
  'dead-lettered': { event: 'remit.dead_lettered', status: 'dead-lettered' },
  delayed: { event: 'remit.delayed', status: 'delayed for a retry' },
  kept: { event: 'remit.requeued', status: 'requeued' },
} as const;

class TracedOperation implements OperationSpan {
  constructor(readonly span: Span) {}

  succeed(): void {
    this.span.end();
  }

  fail(error: unknown): void {
    failed(this.span, error);
    this.span.end();
  }
}

/** A `process` span, remembering why handling failed until the outcome is known and the span ends. */
class ConsumerSpan implements HandlingSpan {
  reason: HandlingFailure = 'handler-failed';

  constructor(readonly span: Span) {}

  recordFailure(reason: HandlingFailure, error: Error): void {
    this.reason = reason;
    this.span.recordException(error);
  }
}

function failed(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setAttribute(ERROR_TYPE, exception.name);
  span.setStatus({ code: STATUS_ERROR, message: exception.message });
}

/**
 * OpenTelemetry spans for a bus: PRODUCER for publish, CONSUMER around an event's handlers, CLIENT
 * for a request until its reply, SERVER around a request handler. The sending side writes its
 * span's context into the `traceparent` and `tracestate` headers; the receiving side starts its
 * span as a child of that context and runs the handlers in it, so the application's own spans
 * nest under it. Made only when tracing is on and `@opentelemetry/api` is installed, and used only
 * while `enabled`: the bus's parts check that and do nothing more otherwise.
 */
export class Tracing {
  readonly #api: OtelApiModule;
  readonly #system: string;
  #tracer: Tracer | undefined;

  /** `system`: `messaging.system` (`rabbitmq`, or the kind of a non-AMQP transport). */
  constructor(api: OtelApiModule, system: string) {
    this.#api = api;
    this.#system = system;
  }

  /**
   * Whether an SDK records spans: false until the application registers a tracer provider. The
   * API alone is often installed (other libraries depend on it); without a provider every span
   * would be a no-op, so the bus skips spans, closures and headers altogether.
   */
  get enabled(): boolean {
    return this.#tracer !== undefined || this.#findTracer() !== undefined;
  }

  #findTracer(): Tracer | undefined {
    const provider: TracerProvider & { getDelegateTracer?(name: string): Tracer | undefined } = this.#api.trace.getTracerProvider();
    // The API registers every provider behind its proxy, which has a delegate once one is registered.
    // Asked per operation until then: one property read, no allocation.
    this.#tracer = typeof provider.getDelegateTracer === 'function' ? provider.getDelegateTracer(TRACER_NAME) : provider.getTracer(TRACER_NAME);
    return this.#tracer;
  }

  /** The SDK's tracer; callers checked `enabled` first, which found it. */
  get #sdkTracer(): Tracer {
    return this.#tracer ?? this.#api.trace.getTracer(TRACER_NAME);
  }

  /**
   * Starts the span of a publish and writes its context into the message's headers. Its parent is
   * a valid `traceparent` the caller put in `headers` (a message relayed from elsewhere), else the
   * active context.
   */
  publish(message: WireMessage): OperationSpan {
    const name = message.routingKey;
    const attributes = this.#messageAttributes('send', 'publish', message);
    const span = this.#sdkTracer.startSpan(`publish ${name}`, { kind: this.#api.SpanKind.PRODUCER, attributes }, this.#sendingParent(message));
    this.#inject(span.spanContext(), message.properties.headers);
    return new TracedOperation(span);
  }

  /** Runs an event's handlers in a CONSUMER span, child of the publisher's span. */
  process(
    event: DecodedEvent,
    message: WireMessage,
    queue: string,
    group: string | undefined,
    run: (span: HandlingSpan) => Promise<Outcome>,
  ): Promise<Outcome> {
    const api = this.#api;
    const attributes = this.#messageAttributes('process', 'process', message);
    attributes[SUBSCRIPTION] = queue;
    if (group !== undefined) attributes[CONSUMER_GROUP] = group;
    attributes[PUBLISHER_SERVICE] = event.meta.service;
    attributes[PUBLISHER_INSTANCE] = event.meta.instance;
    attributes[REDELIVERED] = event.meta.redelivered;
    const parent = this.#receivedContext(message);
    const span = this.#sdkTracer.startSpan(`process ${event.name}`, { kind: api.SpanKind.CONSUMER, attributes }, parent);
    const handling = new ConsumerSpan(span);
    const running = api.context.with(api.trace.setSpan(parent, span), run, undefined, handling);
    return running.then(
      (outcome) => {
        span.setAttribute(OUTCOME, outcome);
        if (outcome !== 'handled' && outcome !== 'abandoned') {
          // Dead-lettered: in the dead-letter queue; delayed: in a delay queue for another try;
          // kept: storing it failed, back in its queue.
          const { event: eventName, status } = OUTCOME_EVENTS[outcome];
          span.addEvent(eventName);
          span.setAttribute(ERROR_TYPE, handling.reason);
          const why = handling.reason === 'validation-failed' ? 'payload failed its schema' : 'handler failed';
          span.setStatus({ code: STATUS_ERROR, message: `${why}; event ${status}` });
        }
        span.end();
        return outcome;
      },
      (error: unknown) => {
        failed(span, error);
        span.end();
        throw error;
      },
    );
  }

  /** Starts the CLIENT span of a request (ended by its reply) and writes its context into the request. */
  request(message: WireMessage): OperationSpan {
    const name = message.routingKey;
    const attributes = this.#messageAttributes('send', 'request', message);
    if (message.properties.correlationId !== undefined) attributes[CONVERSATION_ID] = message.properties.correlationId;
    const span = this.#sdkTracer.startSpan(`request ${name}`, { kind: this.#api.SpanKind.CLIENT, attributes }, this.#sendingParent(message));
    this.#inject(span.spanContext(), message.properties.headers);
    return new TracedOperation(span);
  }

  /** Runs a request handler in a SERVER span, child of the asker's CLIENT span. */
  async serve(request: DecodedEvent, message: WireMessage, queue: string, handler: (payload: unknown, meta: EventMeta) => unknown): Promise<unknown> {
    const api = this.#api;
    const attributes = this.#messageAttributes('process', 'handle', message);
    attributes[SUBSCRIPTION] = queue;
    if (message.properties.correlationId !== undefined) attributes[CONVERSATION_ID] = message.properties.correlationId;
    attributes[PUBLISHER_SERVICE] = request.meta.service;
    attributes[PUBLISHER_INSTANCE] = request.meta.instance;
    attributes[REDELIVERED] = request.meta.redelivered;
    const parent = this.#receivedContext(message);
    const span = this.#sdkTracer.startSpan(`handle ${request.name}`, { kind: api.SpanKind.SERVER, attributes }, parent);
    try {
      return await api.context.with(api.trace.setSpan(parent, span), handler, undefined, request.payload, request.meta);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  #messageAttributes(type: string, operation: string, message: WireMessage): Attributes {
    const attributes: Attributes = {
      [SYSTEM]: this.#system,
      [OPERATION_TYPE]: type,
      [OPERATION_NAME]: operation,
      // The exchange is the transport's business; what names a destination in remit is the event.
      [DESTINATION]: message.properties.type || message.routingKey,
      [ROUTING_KEY]: message.routingKey,
      [BODY_SIZE]: message.body.length,
    };
    if (message.properties.messageId !== undefined) attributes[MESSAGE_ID] = message.properties.messageId;
    return attributes;
  }

  #sendingParent(message: WireMessage): Context {
    const active = this.#api.context.active();
    return this.#withRemote(active, message.properties.headers);
  }

  /** A received message continues its sender's trace, not whatever context the delivery arrived in. */
  #receivedContext(message: WireMessage): Context {
    return this.#withRemote(this.#api.ROOT_CONTEXT, message.properties.headers);
  }

  #withRemote(base: Context, headers: Record<string, unknown>): Context {
    const parent = parseTraceparent(text(headers[TRACEPARENT]));
    if (!parent) return base;
    const state = text(headers[TRACESTATE]);
    const remote: SpanContext = { ...parent, isRemote: true };
    if (state) remote.traceState = this.#api.createTraceState(state);
    return this.#api.trace.setSpanContext(base, remote);
  }

  #inject(spanContext: SpanContext, headers: Record<string, unknown>): void {
    // No SDK registered and no parent: a non-recording span with an invalid context, nothing to
    // propagate. Whatever the caller put in the headers then travels unchanged.
    if (!this.#api.isSpanContextValid(spanContext)) return;
    headers[TRACEPARENT] = formatTraceparent(spanContext);
    const state = spanContext.traceState?.serialize();
    // The tracestate travels with the traceparent it belongs to, or not at all.
    if (state) headers[TRACESTATE] = state;
    else delete headers[TRACESTATE];
  }
}

/** Tracing for a bus, or undefined when it is off or `@opentelemetry/api` is not installed. */
export function createTracing(enabled: boolean, transportKind: string): Tracing | undefined {
  if (!enabled) return undefined;
  const api = otelApi();
  return api ? new Tracing(api, transportKind === 'amqp' ? 'rabbitmq' : transportKind) : undefined;
}
