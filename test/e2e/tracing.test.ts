import { fileURLToPath } from 'node:url';
import { SpanKind, trace } from '@opentelemetry/api';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { amqp, type Bus, createBus, type EventMap } from '@remit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AMQP_URL, deleteTopology, unique, waitFor } from '../helpers/broker.js';
import { ChildInstance } from '../helpers/processes.js';
import { installInMemoryTracing } from '../../packages/core/test/in-memory-tracing.js';

const TRACED_INSTANCE = fileURLToPath(new URL('../fixtures/traced-instance.mjs', import.meta.url));

/** A span as the child process reports it over IPC. */
interface ChildSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  events: string[];
}

type Requests = { 'price.quote': { request: { sku: string }; response: { payload: { sku: string }; by: string } } };

let exporter: InMemorySpanExporter;
let uninstall: () => Promise<void>;
const children: ChildInstance[] = [];
const buses: Bus<EventMap, Requests>[] = [];
const cleanup: { exchanges: string[]; queues: string[] } = { exchanges: [], queues: [] };

beforeEach(() => {
  ({ exporter, uninstall } = installInMemoryTracing());
});

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
  const codes = await Promise.all(children.splice(0).map((child) => child.stop()));
  await deleteTopology(cleanup);
  await uninstall();
  expect(codes.every((code) => code === 0)).toBe(true);
});

function topology() {
  const names = {
    exchange: unique('test.events'),
    deadLetter: unique('test.dead'),
    requestExchange: unique('test.requests'),
    presenceExchange: unique('test.presence'),
  };
  cleanup.exchanges.push(...Object.values(names));
  cleanup.queues.push(names.deadLetter);
  return names;
}

function parentBus(names: ReturnType<typeof topology>): Bus<EventMap, Requests> {
  const bus = createBus<EventMap, Requests>({ service: unique('test-web'), transport: amqp({ url: AMQP_URL, ...names }) });
  buses.push(bus);
  return bus;
}

const childSpans = (child: ChildInstance) => child.of('span').map((message) => message.span as ChildSpan);
const childSpan = (child: ChildInstance, name: string): ChildSpan => {
  const found = childSpans(child).filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`expected one child span "${name}", got ${found.length}`);
  return found[0] as ChildSpan;
};
const ownSpan = (name: string): ReadableSpan => {
  const found = exporter.getFinishedSpans().filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", got ${found.length}`);
  return found[0] as ReadableSpan;
};

describe('tracing across two processes over RabbitMQ', () => {
  it('one trace runs from the publisher to the handler in another process: producer → consumer → the handler’s own span', async () => {
    const names = topology();
    const event = unique('order.created');
    const service = unique('test-billing');
    const child = new ChildInstance({ service, events: [event], ...names }, TRACED_INSTANCE);
    children.push(child);
    await child.ready();
    const web = parentBus(names);
    await web.start();

    // The publish happens inside the application's own span, as it would inside an HTTP request.
    await trace.getTracer('app').startActiveSpan('POST /orders', async (span) => {
      await web.publish(event, { id: 'o-1' });
      span.end();
    });
    await waitFor('the child’s spans', () => childSpans(child).some((span) => span.name === `app handles ${event}`));

    const request = ownSpan('POST /orders');
    const producer = ownSpan(`publish ${event}`);
    const consumer = childSpan(child, `process ${event}`);
    const handlerOwn = childSpan(child, `app handles ${event}`);
    const heard = await child.next('heard');

    // One trace id from the publisher's request to the handler's own work.
    const traceId = request.spanContext().traceId;
    expect(producer.spanContext().traceId).toBe(traceId);
    expect(consumer.traceId).toBe(traceId);
    expect(handlerOwn.traceId).toBe(traceId);
    // Parent and child, hop by hop.
    expect(producer.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(consumer.parentSpanId).toBe(producer.spanContext().spanId);
    expect(handlerOwn.parentSpanId).toBe(consumer.spanId);
    // What crossed the wire.
    expect((heard.headers as Record<string, unknown>).traceparent).toBe(`00-${traceId}-${producer.spanContext().spanId}-01`);

    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(producer.attributes).toEqual({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': event,
      'messaging.rabbitmq.destination.routing_key': event,
      'messaging.message.id': heard.id,
      'messaging.message.body.size': expect.any(Number),
    });
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.attributes).toEqual({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': event,
      'messaging.rabbitmq.destination.routing_key': event,
      'messaging.destination.subscription.name': `remit.instance.${service}.${child.instanceId}`,
      'messaging.message.id': heard.id,
      'messaging.message.body.size': producer.attributes['messaging.message.body.size'],
      'remit.publisher.service': web.service,
      'remit.publisher.instance': web.instanceId,
      'remit.redelivered': false,
      'remit.outcome': 'handled',
    });
  });

  it('a request and its handler in another process share one trace: client → server → the handler’s own span', async () => {
    const names = topology();
    const service = unique('test-pricing');
    cleanup.queues.push(`remit.requests.${service}`);
    const child = new ChildInstance({ service, handle: { name: 'price.quote' }, ...names }, TRACED_INSTANCE);
    children.push(child);
    await child.ready();
    const web = parentBus(names);
    await web.start();

    const reply = await web.request('price.quote', { sku: 'A-1' }, { timeoutMs: 10_000 });
    expect(reply).toEqual({ payload: { sku: 'A-1' }, by: child.instanceId });
    await waitFor('the child’s server span', () => childSpans(child).some((span) => span.name === 'handle price.quote'));

    const client = ownSpan('request price.quote');
    const server = childSpan(child, 'handle price.quote');
    const handlerOwn = childSpan(child, 'app serves price.quote');
    expect(client.kind).toBe(SpanKind.CLIENT);
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.traceId).toBe(client.spanContext().traceId);
    expect(server.parentSpanId).toBe(client.spanContext().spanId);
    expect(handlerOwn.parentSpanId).toBe(server.spanId);
    const id = client.attributes['messaging.message.id'];
    expect(client.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.name': 'request',
      'messaging.destination.name': 'price.quote',
      'messaging.message.conversation_id': id,
    });
    expect(server.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'handle',
      'messaging.destination.subscription.name': `remit.requests.${service}`,
      'messaging.message.id': id,
      'remit.publisher.service': web.service,
    });
  });
});
