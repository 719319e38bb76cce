import { randomUUID } from 'node:crypto';
import type { NormalizedBusOptions } from './bus-options.js';
import { BroadcastConsumer } from './events/broadcast-consumer.js';
import { DeadLetters } from './events/dead-letters.js';
import { Dispatcher } from './events/dispatcher.js';
import { HandlerRunner } from './events/handler-runner.js';
import { EventPublisher } from './events/event-publisher.js';
import { EventRoutes } from './events/event-routes.js';
import { FailureSettlement } from './events/failure-settlement.js';
import { GroupConsumers } from './events/group-consumers.js';
import { HandlerRegistry } from './events/handler-registry.js';
import { Subscriptions } from './events/subscriptions.js';
import { FailureReporter } from './failure-reporter.js';
import { BusLifecycle } from './lifecycle/bus-lifecycle.js';
import { StatusTracker } from './lifecycle/status-tracker.js';
import { WorkTracker } from './lifecycle/work-tracker.js';
import { emptyStats } from './metrics/bus-stats.js';
import { EventMetrics } from './metrics/event-metrics.js';
import { Observers } from './observe/observers.js';
import { DeliveryAcks } from './presence/delivery-acks.js';
import { Presence } from './presence/presence.js';
import { RequestClient } from './requests/request-client.js';
import { RequestServer } from './requests/request-server.js';
import { createTracing } from './tracing/tracing.js';
import type { Transport } from './transport.js';
import { TransportEvents } from './transport-events.js';
import type { BusStats } from './bus-state.js';
import { codecLookup } from './wire/codecs.js';

/** Everything a bus is made of; the bus itself only moves it through start() and close(). */
export interface BusParts {
  lifecycle: BusLifecycle;
  status: StatusTracker;
  reporter: FailureReporter;
  /** Handler runs and other work close() lets finish. */
  work: WorkTracker;
  stats: BusStats;
  metrics: EventMetrics;
  /** Who watches the bus at work (`bus.observe()`). */
  observers: Observers;
  transport: Transport;
  /** The hooks handed to `transport.start()`. */
  transportEvents: TransportEvents;
  subscriptions: Subscriptions;
  groups: GroupConsumers;
  broadcast: BroadcastConsumer;
  /** The bindings of this instance's queues under topic routing. */
  routes: EventRoutes;
  presence: Presence;
  publisher: EventPublisher;
  requests: RequestClient;
  server: RequestServer;
}

/**
 * Builds a bus's parts, each once, each after everything it feeds: a part is handed the owners
 * of the data it produces. Received events flow transport → consumer → dispatcher → handlers, and
 * the dispatcher's delivery acks go out through DeliveryAcks; acks coming back arrive on the
 * presence queue and go to the same DeliveryAcks, which the publisher asks for its reports.
 */
export function wireBus(options: NormalizedBusOptions): BusParts {
  const { service, instanceId, prefetch, maxPayloadBytes, publishTimeoutMs } = options;
  const source = { service, instanceId };
  const self = { service, instance: instanceId };
  const codecs = codecLookup(options);
  const tracing = createTracing(options.tracing, options.transport.kind);

  // Owned by the bus as a whole: every part below reports, counts and is tracked through these.
  const lifecycle = new BusLifecycle();
  const status = new StatusTracker();
  const observers = new Observers();
  const reporter = new FailureReporter({ onError: options.onError, logger: options.logger, source, observers });
  const work = new WorkTracker((error) => reporter.report({ kind: 'transport', error }));
  const stats = emptyStats();
  const metrics = new EventMetrics();
  const registry = new HandlerRegistry();
  const transport = options.transport.create({ service, instanceId });

  // Receiving events.
  const acks = new DeliveryAcks({ source, transport });
  const deadLetters = new DeadLetters({ instanceId, transport, publishTimeoutMs, stats, reporter, observers });
  const failures = new FailureSettlement({ transport, publishTimeoutMs, deadLetters, stats, reporter });
  const runner = new HandlerRunner({ schemas: options.schemaLookup, stats, reporter, deadLetters, failures, tracing, observers });
  const dispatcher = new Dispatcher({
    self,
    registry,
    runner,
    codecs,
    maxPayloadBytes,
    dedupWindow: options.dedupWindow,
    stats,
    metrics,
    reporter,
    deadLetters,
    acks,
    observers,
  });
  const consumers = { registry, prefetch, queueConcurrency: options.queueConcurrency, transport, dispatcher, work, reporter };
  const broadcastQueue = `remit.instance.${service}.${instanceId}`;
  const broadcast = new BroadcastConsumer({
    ...consumers,
    queue: {
      kind: 'broadcast',
      name: broadcastQueue,
      expiresMs: options.stableInstance ? options.instanceQueueExpiresMs : null,
      deliveryLimit: options.groupDeliveryLimit,
    },
  });
  const groups = new GroupConsumers({ ...consumers, deliveryLimit: options.groupDeliveryLimit, namespace: options.transport.namespace });
  const routes = new EventRoutes({ registry, transport, broadcastQueue, reporter, namespace: options.transport.namespace });
  const subscriptions = new Subscriptions({ service, registry, retry: options.retry, groups, broadcast, lifecycle, status, stats, reporter, routes });

  // Who is out there; acks for `publish(…, { ack: true })` come back on the presence queue.
  const presence = new Presence({
    source,
    self: { service, instance: instanceId, version: options.version, heartbeatIntervalMs: options.heartbeatIntervalMs },
    broadcast,
    topics: routes,
    // A fresh suffix per run: a restarted instance with the same id never meets its old exclusive queue.
    queue: `remit.presence.${service}.${instanceId}.${randomUUID().slice(0, 8)}`,
    transport,
    acks,
    reporter,
  });

  // Sending events, requests and replies.
  const common = { source, codec: options.codec, codecs, maxPayloadBytes, tracing, observers };
  const publisher = new EventPublisher({
    ...common,
    publishTimeoutMs,
    schemas: options.schemaLookup,
    registry,
    runner,
    broadcastQueue,
    stats,
    metrics,
    transport,
    presence,
    acks,
    work,
    reporter,
  });
  const requests = new RequestClient({ ...common, defaultTimeoutMs: options.requestTimeoutMs, transport });
  const server = new RequestServer({
    ...common,
    queue: { kind: 'requests', name: `remit.requests.${service}`, expiresMs: options.requestQueueExpiresMs },
    // Every request delivery is handled asynchronously (its reply is sent after the handler), so
    // its prefetch is the bound on request handlers in flight.
    prefetch: Math.min(prefetch, options.queueConcurrency),
    transport,
    lifecycle,
    work,
    reporter,
  });

  const transportEvents = new TransportEvents({ lifecycle, status, stats, reporter, presence, requests, publisher });
  return { lifecycle, status, reporter, work, stats, metrics, observers, transport, transportEvents, subscriptions, groups, broadcast, routes, presence, publisher, requests, server };
}
