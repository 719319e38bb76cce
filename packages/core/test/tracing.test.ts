import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { BasicTracerProvider, InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, createBus, type EventMeta, memory, memoryBroker, type MemoryBroker, PublishTimeoutError, type PublishTarget, RemoteError, RequestTimeoutError, type TransportFactory } from '../src/index.js';
import { formatTraceparent, parseTraceparent } from '../src/tracing/trace-context.js';
import { installInMemoryTracing } from './in-memory-tracing.js';
import { memoryBuses, overriddenTransport, sleep, until } from './memory-buses.js';

type Events = { 'order.created': { id: string }; 'order.billed': { id: string } };
type Requests = { 'price.quote': { request: { sku: string }; response: { cents: number } } };

const bus = memoryBuses<Events, Requests>();
let exporter: InMemorySpanExporter;
let provider: BasicTracerProvider;
let uninstall: () => Promise<void>;

beforeEach(() => {
  ({ exporter, provider, uninstall } = installInMemoryTracing());
});

afterEach(async () => {
  await uninstall();
});

const spans = () => exporter.getFinishedSpans();
const named = (name: string): ReadableSpan => {
  const found = spans().filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}: ${spans().map((span) => span.name).join(', ')}`);
  return found[0] as ReadableSpan;
};
const hasSpan = (name: string) => () => spans().some((span) => span.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;

async function pair(broker: MemoryBroker) {
  const publisher = bus(broker, { service: 'orders' });
  const consumer = bus(broker, { service: 'billing', retry: { attempts: 1, initialDelayMs: 1 } });
  return { publisher, consumer, start: () => Promise.all([publisher.start(), consumer.start()]) };
}

/** A transport whose broker never confirms a publish to `refused` (events or dead letters), for the failure paths. */
function refusingPublishes(factory: TransportFactory, refused: PublishTarget = 'events'): TransportFactory {
  return overriddenTransport(factory, (inner) => ({
    publish: async (request) => {
      if (request.target !== refused) return inner.publish(request);
      throw new PublishTimeoutError(request.message.routingKey, 5);
    },
  }));
}

describe('tracing of events', () => {
  it('publish makes a PRODUCER span whose context travels in traceparent; the handler runs in a CONSUMER span, its child', async () => {
    const { publisher, consumer, start } = await pair(memoryBroker());
    let heard: EventMeta | undefined;
    consumer.on('order.created', (_payload, meta) => {
      heard = meta;
    });
    await start();
    await publisher.publish('order.created', { id: 'o-1' });
    await until(hasSpan('process order.created'), 'the consumer span');

    const producer = named('publish order.created');
    const processed = named('process order.created');
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(traceOf(processed)).toBe(traceOf(producer));
    expect(parentOf(processed)).toBe(idOf(producer));
    expect(heard?.headers.traceparent).toBe(`00-${traceOf(producer)}-${idOf(producer)}-01`);
    expect(producer.instrumentationScope.name).toBe('@remit/core');
    expect(producer.attributes).toEqual({
      'messaging.system': 'memory',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': 'order.created',
      'messaging.rabbitmq.destination.routing_key': 'order.created',
      'messaging.message.id': heard?.id,
      'messaging.message.body.size': expect.any(Number),
    });
    expect(producer.attributes['messaging.message.body.size']).toBeGreaterThan(0);
    expect(processed.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'order.created',
      'messaging.destination.subscription.name': `remit.instance.billing.${consumer.instanceId}`,
      'messaging.message.id': heard?.id,
      'messaging.message.body.size': producer.attributes['messaging.message.body.size'],
      'remit.publisher.service': 'orders',
      'remit.publisher.instance': publisher.instanceId,
      'remit.redelivered': false,
      'remit.outcome': 'handled',
    });
    expect(processed.attributes).not.toHaveProperty('messaging.consumer.group.name');
    expect(processed.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("runs the handler in the consumer span's context, so the application's spans nest under it and its publishes continue the trace", async () => {
    const { publisher, consumer, start } = await pair(memoryBroker());
    consumer.on('order.created', async ({ id }) => {
      await trace.getTracer('app').startActiveSpan('charge card', async (span: Span) => {
        await sleep(1);
        span.end();
      });
      await consumer.publish('order.billed', { id });
    });
    await start();
    await publisher.publish('order.created', { id: 'o-2' });
    await until(hasSpan('publish order.billed'), 'the follow-up publish');

    const processed = named('process order.created');
    const own = named('charge card');
    const followUp = named('publish order.billed');
    expect(parentOf(own)).toBe(idOf(processed));
    expect(parentOf(followUp)).toBe(idOf(processed));
    expect(new Set(spans().map(traceOf)).size).toBe(1);
  });

  it('names the consumer group of a group handler, and its queue', async () => {
    const { publisher, consumer, start } = await pair(memoryBroker());
    consumer.on('order.created', () => {}, { group: 'invoices' });
    await start();
    await publisher.publish('order.created', { id: 'o-3' });
    await until(hasSpan('process order.created'), 'the consumer span');
    expect(named('process order.created').attributes).toMatchObject({
      'messaging.consumer.group.name': 'invoices',
      'messaging.destination.subscription.name': 'remit.group.invoices',
    });
  });

  it("traces the publisher's own handlers, run in-process, as children of its publish span", async () => {
    const publisher = bus(memoryBroker(), { service: 'orders' });
    publisher.on('order.created', () => {});
    await publisher.start();
    await publisher.publish('order.created', { id: 'o-4' });
    await until(hasSpan('process order.created'), 'the local consumer span');
    const processed = named('process order.created');
    expect(parentOf(processed)).toBe(idOf(named('publish order.created')));
    expect(processed.attributes['messaging.destination.subscription.name']).toMatch(/:local$/);
  });

  it('marks the consumer span ERROR with the exception when the handler fails, and records the dead-lettering', async () => {
    const { publisher, consumer, start } = await pair(memoryBroker());
    consumer.on('order.created', function chargeCard() {
      throw new TypeError('card declined');
    });
    await start();
    await publisher.publish('order.created', { id: 'o-5' });
    await until(hasSpan('process order.created'), 'the consumer span');
    const processed = named('process order.created');
    expect(processed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'handler failed; event dead-lettered' });
    expect(processed.attributes).toMatchObject({ 'remit.outcome': 'dead-lettered', 'error.type': 'handler-failed' });
    const exception = processed.events.find((event) => event.name === 'exception');
    expect(exception?.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'card declined' });
    expect(processed.events.map((event) => event.name)).toContain('remit.dead_lettered');
    expect(named('publish order.created').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('says a dead-lettered event failed its schema, not a handler, and records the ValidationError', async () => {
    const broker = memoryBroker();
    const publisher = bus(broker, { service: 'orders' });
    const schemas = { 'order.created': z.object({ id: z.string().startsWith('o-') }) };
    const consumer = bus(broker, { service: 'billing', schemas });
    let ran = false;
    consumer.on('order.created', () => void (ran = true));
    await Promise.all([publisher.start(), consumer.start()]);
    await publisher.publish('order.created', { id: 'x-1' });
    await until(hasSpan('process order.created'), 'the consumer span');
    const processed = named('process order.created');
    expect(ran).toBe(false);
    expect(processed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'payload failed its schema; event dead-lettered' });
    expect(processed.attributes).toMatchObject({ 'remit.outcome': 'dead-lettered', 'error.type': 'validation-failed' });
    const exceptions = processed.events.filter((event) => event.name === 'exception');
    // OpenTelemetry names an exception by its `code` when it has one.
    expect(exceptions.map((event) => event.attributes?.['exception.type'])).toEqual(['ERR_VALIDATION']);
    expect(consumer.stats().events['order.created']).toMatchObject({ received: 1, deadLettered: 1, handled: 0, failed: 0 });
  });

  it('records that an event whose dead-lettering failed went back to its queue', async () => {
    const broker = memoryBroker();
    const publisher = bus(broker, { service: 'orders' });
    const consumer = bus(broker, { service: 'billing', retry: { attempts: 1, initialDelayMs: 1 }, transport: refusingPublishes(memory(broker), 'dead') });
    consumer.on('order.created', () => {
      throw new Error('card declined');
    });
    await Promise.all([publisher.start(), consumer.start()]);
    await publisher.publish('order.created', { id: 'o-12' });
    await until(hasSpan('process order.created'), 'the consumer span');
    // Requeued, the event comes back and fails again: every attempt says so.
    const processed = spans().filter((span) => span.name === 'process order.created');
    for (const span of processed) {
      expect(span.attributes['remit.outcome']).toBe('kept');
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'handler failed; event requeued' });
      expect(span.events.map((event) => event.name)).toEqual(['exception', 'remit.requeued']);
    }
  });

  it('marks the publish span ERROR when the broker does not confirm', async () => {
    const publisher = createBus<Events>({ service: 'orders', transport: refusingPublishes(memory(memoryBroker())) });
    await publisher.start();
    await expect(publisher.publish('order.created', { id: 'o-6' })).rejects.toBeInstanceOf(PublishTimeoutError);
    await publisher.close();
    const producer = named('publish order.created');
    expect(producer.status.code).toBe(SpanStatusCode.ERROR);
    expect(producer.attributes['error.type']).toBe('PublishTimeoutError');
    expect(producer.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('continues the trace of a traceparent passed in headers, and puts the publish span in its place on the wire', async () => {
    const { publisher, consumer, start } = await pair(memoryBroker());
    let heard: EventMeta | undefined;
    consumer.on('order.created', (_payload, meta) => {
      heard = meta;
    });
    await start();
    const upstream = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
    await publisher.publish('order.created', { id: 'o-7' }, { headers: { traceparent: formatTraceparent(upstream), tracestate: 'vendor=1', tenant: 't-1' } });
    await until(hasSpan('process order.created'), 'the consumer span');
    const producer = named('publish order.created');
    expect(traceOf(producer)).toBe(upstream.traceId);
    expect(parentOf(producer)).toBe(upstream.spanId);
    expect(heard?.headers).toEqual({
      traceparent: `00-${upstream.traceId}-${idOf(producer)}-01`,
      tracestate: 'vendor=1',
      tenant: 't-1',
    });
    expect(producer.spanContext().traceState?.get('vendor')).toBe('1');
  });

  it('with tracing: false makes no span and writes no header', async () => {
    const broker = memoryBroker();
    const publisher = bus(broker, { service: 'orders', tracing: false });
    const consumer = bus(broker, { service: 'billing', tracing: false });
    let heard: EventMeta | undefined;
    consumer.on('order.created', (_payload, meta) => {
      heard = meta;
    });
    publisher.on('order.created', () => {});
    await Promise.all([publisher.start(), consumer.start()]);
    await publisher.publish('order.created', { id: 'o-8' }, { headers: { traceparent: 'not mine to judge' } });
    await until(() => heard !== undefined, 'the event');
    await sleep(10);
    expect(spans()).toEqual([]);
    expect(heard?.headers).toEqual({ traceparent: 'not mine to judge' });
  });

  it('rejects a tracing option that is not a boolean, naming it', () => {
    expect(() => createBus({ service: 'svc', transport: memory(), tracing: 'yes' as unknown as boolean })).toThrow(ConfigError);
    expect(() => createBus({ service: 'svc', transport: memory(), tracing: 'yes' as unknown as boolean })).toThrow(/tracing/);
  });

  it('writes no header while no tracer provider is registered, leaving the headers given as they are', async () => {
    trace.disable();
    const { publisher, consumer, start } = await pair(memoryBroker());
    let heard: EventMeta | undefined;
    consumer.on('order.created', (_payload, meta) => {
      heard = meta;
    });
    await start();
    await publisher.publish('order.created', { id: 'o-9' }, { headers: { tracestate: 'kept=1' } });
    await until(() => heard !== undefined, 'the event');
    expect(heard?.headers).toEqual({ tracestate: 'kept=1' });
    expect(spans()).toEqual([]);
  });
  it('traces once a tracer provider is registered, even for a bus made before it', async () => {
    trace.disable();
    const { publisher, consumer, start } = await pair(memoryBroker());
    let handled = 0;
    consumer.on('order.created', () => {
      handled++;
    });
    await start();
    await publisher.publish('order.created', { id: 'o-10' });
    await until(() => handled === 1, 'the first event');
    expect(spans()).toEqual([]);
    trace.setGlobalTracerProvider(provider);
    await publisher.publish('order.created', { id: 'o-11' });
    await until(hasSpan('process order.created'), 'the consumer span');
    expect(parentOf(named('process order.created'))).toBe(idOf(named('publish order.created')));
  });
});

describe('tracing of requests', () => {
  it('covers a request with a CLIENT span and its handler with a SERVER span, its child, in which the handler runs', async () => {
    const broker = memoryBroker();
    const responder = bus(broker, { service: 'pricing' });
    responder.handle('price.quote', async ({ sku }) => {
      trace.getTracer('app').startSpan('look up price').end();
      return { cents: sku.length };
    });
    const client = bus(broker, { service: 'shop' });
    await Promise.all([responder.start(), client.start()]);
    await expect(client.request('price.quote', { sku: 'A-1' })).resolves.toEqual({ cents: 3 });

    const requested = named('request price.quote');
    const handled = named('handle price.quote');
    const own = named('look up price');
    expect(requested.kind).toBe(SpanKind.CLIENT);
    expect(handled.kind).toBe(SpanKind.SERVER);
    expect(parentOf(handled)).toBe(idOf(requested));
    expect(parentOf(own)).toBe(idOf(handled));
    expect(new Set([requested, handled, own].map(traceOf)).size).toBe(1);
    const id = requested.attributes['messaging.message.id'];
    expect(requested.attributes).toMatchObject({
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'request',
      'messaging.destination.name': 'price.quote',
      'messaging.message.conversation_id': id,
    });
    expect(handled.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'handle',
      'messaging.destination.name': 'price.quote',
      'messaging.destination.subscription.name': 'remit.requests.pricing',
      'messaging.message.id': id,
      'messaging.message.conversation_id': id,
      'remit.publisher.service': 'shop',
    });
    // The client span lasts until the reply, so it ends after the handler's (spans are exported as they end).
    expect(spans().indexOf(requested)).toBeGreaterThan(spans().indexOf(handled));
  });

  it('marks both spans ERROR when the handler throws', async () => {
    const broker = memoryBroker();
    const responder = bus(broker, { service: 'pricing' });
    responder.handle('price.quote', () => {
      throw new RangeError('unknown sku');
    });
    const client = bus(broker, { service: 'shop' });
    await Promise.all([responder.start(), client.start()]);
    await expect(client.request('price.quote', { sku: 'Z' })).rejects.toBeInstanceOf(RemoteError);
    expect(named('handle price.quote').status).toEqual({ code: SpanStatusCode.ERROR, message: 'unknown sku' });
    expect(named('handle price.quote').attributes['error.type']).toBe('RangeError');
    expect(named('request price.quote').status.code).toBe(SpanStatusCode.ERROR);
    expect(named('request price.quote').attributes['error.type']).toBe('RemoteError');
  });

  it('ends the CLIENT span of a request that times out', async () => {
    const broker = memoryBroker();
    const responder = bus(broker, { service: 'pricing' });
    responder.handle('price.quote', async () => {
      await sleep(200);
      return { cents: 1 };
    });
    const client = bus(broker, { service: 'shop' });
    await Promise.all([responder.start(), client.start()]);
    await expect(client.request('price.quote', { sku: 'slow' }, { timeoutMs: 20 })).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(named('request price.quote').attributes['error.type']).toBe('RequestTimeoutError');
  });
});

describe('W3C traceparent', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';

  it('formats and reads back version 00', () => {
    expect(formatTraceparent({ traceId, spanId, traceFlags: 1 })).toBe(`00-${traceId}-${spanId}-01`);
    expect(parseTraceparent(`00-${traceId}-${spanId}-01`)).toEqual({ traceId, spanId, traceFlags: 1 });
    expect(parseTraceparent(` 00-${traceId}-${spanId}-00 `)).toEqual({ traceId, spanId, traceFlags: 0 });
  });

  it('reads the known fields of a later version and rejects what the spec forbids', () => {
    expect(parseTraceparent(`01-${traceId}-${spanId}-01-more`)).toEqual({ traceId, spanId, traceFlags: 1 });
    for (const bad of [
      undefined,
      '',
      `ff-${traceId}-${spanId}-01`,
      `00-${traceId}-${spanId}-01-more`,
      `00-${'0'.repeat(32)}-${spanId}-01`,
      `00-${traceId}-${'0'.repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
      `00-${traceId}-${spanId}`,
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });
});
