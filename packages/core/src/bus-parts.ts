import { randomUUID } from 'node:crypto';
import { Dispatcher, type QueueRole } from './dispatcher.js';
import type { EnvelopeSource } from './envelope.js';
import type { EventMetrics } from './event-metrics.js';
import { EventPublisher } from './event-publisher.js';
import type { HandlerRegistry } from './handler-registry.js';
import { codecLookup, type NormalizedBusOptions } from './options.js';
import { BroadcastConsumer } from './broadcast-consumer.js';
import { Presence } from './presence.js';
import { RequestClient } from './request-client.js';
import { RequestServer } from './request-server.js';
import { Subscriptions } from './subscriptions.js';
import { createTracing } from './tracing.js';
import type { PublishRequest, SendTarget, Transport, WireMessage } from './transport.js';
import type { BusStats, FailureReport } from './types.js';

/** What the bus itself owns and lends to its parts. */
export interface BusContext {
  transport: Transport;
  registry: HandlerRegistry;
  stats: BusStats;
  metrics: EventMetrics;
  /** starting or started: new consumers (a group, a request name) start at once. */
  consuming(): boolean;
  started(): boolean;
  /** Keeps close() waiting for a running handler. */
  track(work: Promise<unknown>): void;
  report(failure: FailureReport): void;
}

export interface BusParts {
  dispatcher: Dispatcher;
  subscriptions: Subscriptions;
  publisher: EventPublisher;
  requests: RequestClient;
  server: RequestServer;
  presence: Presence;
  broadcast: BroadcastConsumer;
}


/** The role of every broadcast delivery: one object, not one per message. */
const BROADCAST: QueueRole = { kind: 'broadcast' };
/**
 * How the parts of a bus are connected: which queue each one consumes, what it publishes, and
 * who hears whom (a delivery ack goes from the dispatcher out, acks come back through presence
 * to the publisher, a presence leave ends the publisher's wait).
 */
export function wireBus(options: NormalizedBusOptions, context: BusContext): BusParts {
  const { transport, registry, stats, metrics, consuming, track, report } = context;
  const source: EnvelopeSource = { service: options.service, instanceId: options.instanceId };
  const codecs = codecLookup(options);
  // A fresh suffix per run: a restarted instance with the same id never meets its old exclusive queue.
  const presenceQueue = `remit.presence.${options.service}.${options.instanceId}.${randomUUID().slice(0, 8)}`;
  const publish = (request: PublishRequest) => transport.publish(request);
  const send = (message: WireMessage, target: SendTarget) => transport.send(message, target);
  const tracing = createTracing(options.tracing, options.transport.kind);
  const common = { source, codecs, maxPayloadBytes: options.maxPayloadBytes, publish, send, report, tracing };
  // The publisher is made last but heard from first; these hooks reach it once it exists.
  let publisher: EventPublisher | undefined;
  const dispatcher = new Dispatcher({
    ...common,
    service: options.service,
    instanceId: options.instanceId,
    registry,
    retry: options.retry,
    dedupWindow: options.dedupWindow,
    schemas: options.schemaLookup,
    stats,
    metrics,
    deadLetter: (message) => publish({ message, target: 'dead', timeoutMs: options.publishTimeoutMs }),
    settled: (message, outcome) => publisher?.acks.send(message, outcome === 'handled' ? 'handled' : 'failed'),
  });
  const subscriptions = new Subscriptions({
    service: options.service,
    registry,
    consumeGroup: (group, onDelivery) =>
      transport.consume({ kind: 'group', name: `remit.group.${group}`, deliveryLimit: options.groupDeliveryLimit }, options.prefetch, onDelivery),
    onGroupDelivery: (group, delivery) => track(dispatcher.dispatch(delivery, { kind: 'group', group })),
    onError: (error) => report({ kind: 'transport', error }),
    consuming,
    started: context.started,
    broadcastAdded: () => void broadcast.late(),
  });
  const broadcast = new BroadcastConsumer({
    registry,
    consume: () =>
      transport.consume(
        {
          kind: 'broadcast',
          name: `remit.instance.${options.service}.${options.instanceId}`,
          expiresMs: options.stableInstance ? options.instanceQueueExpiresMs : null,
        },
        options.prefetch,
        (delivery) => track(dispatcher.dispatch(delivery, BROADCAST)),
      ),
    // The others learn at once that acks for events should now be awaited from this instance.
    onStarted: () => {
      if (context.started()) presence.rejoin();
    },
    onError: (error) => report({ kind: 'transport', error }),
  });
  const presence = new Presence({
    ...common,
    self: {
      service: options.service,
      instance: options.instanceId,
      version: options.version,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      // Read each time presence speaks: the broadcast consumer may start after the bus did.
      get listening() {
        return broadcast.active;
      },
    },
    queue: presenceQueue,
    // Presence messages are tiny and handled at once; a generous prefetch never holds them up.
    consume: (spec, onDelivery) => transport.consume(spec, 1000, onDelivery),
    onAck: (message) => publisher?.acks.onAckMessage(message),
  });
  publisher = new EventPublisher({
    ...common,
    codec: options.codec,
    publishTimeoutMs: options.publishTimeoutMs,
    schemas: options.schemaLookup,
    registry,
    dispatcher,
    stats,
    metrics,
    ackQueue: presenceQueue,
    live: () => presence.live(),
    joined: () => presence.joined(),
    track,
  });
  const acks = publisher.acks;
  presence.listen((change) => {
    if (change.type === 'leave') acks.onLeave(change);
  });
  const requests = new RequestClient({ ...common, codec: options.codec, defaultTimeoutMs: options.requestTimeoutMs });
  const server = new RequestServer({
    ...common,
    codec: options.codec,
    queue: { kind: 'requests', name: `remit.requests.${options.service}`, expiresMs: options.requestQueueExpiresMs },
    consume: (spec, onDelivery) => transport.consume(spec, options.prefetch, onDelivery),
    bind: (queue, name) => transport.bind(queue, name),
    consuming,
    track,
  });
  return { dispatcher, subscriptions, publisher, requests, server, presence, broadcast };
}
