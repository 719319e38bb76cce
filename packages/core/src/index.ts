export { createBus } from './bus.js';
export type { Bus, PayloadMap } from './bus-api.js';
export type { BusOptions } from './bus-options.js';
export type { SubscribeOptions } from './events/subscribe-options.js';
export type { RetryOptions } from './policies/retry-options.js';
export type { CircuitBreakerOptions } from './policies/circuit-breaker.js';
export { amqp } from './amqp/amqp.js';
export { maskUrl } from './amqp/amqp-options.js';
export type { AmqpOptions, Routing } from './amqp/amqp-options.js';
export { memory } from './memory/memory-transport.js';
export { memoryBroker, MemoryBroker } from './memory/memory-broker.js';
export { jsonCodec, SuperjsonCodec } from './wire/codecs.js';
export type { Codec, CodecOption, RegisterableClass } from './wire/codecs.js';
export { WIRE_VERSION, Header } from './wire/headers.js';
export { uuidv7Time } from './wire/message-id.js';
export { PresenceType } from './wire/presence-messages.js';
export { toAsyncAPI } from './asyncapi/asyncapi.js';
export type { AsyncAPISource, AsyncAPIInfo, AsyncAPIOptions } from './asyncapi/asyncapi.js';
export type { AsyncAPICodec, JsonSchema, JsonSchemaExporter } from './asyncapi/asyncapi-schema.js';
export type {
  AsyncAPIDocument,
  AsyncAPIChannel,
  AsyncAPIMessage,
  AsyncAPIOperation,
  AsyncAPIServer,
  AsyncAPIReference,
  AsyncAPIAmqpChannelBinding,
} from './asyncapi/asyncapi-document.js';
export {
  RemitError,
  ConfigError,
  ConnectionError,
  PublishTimeoutError,
  BufferFullError,
  PayloadTooLargeError,
  DecodeError,
  ClosedError,
  RequestTimeoutError,
  NoResponderError,
  RemoteError,
  ValidationError,
  UnrecoverableError,
} from './errors.js';
export type { RemitErrorCode, RemoteErrorDetails } from './errors.js';
export type {
  Transport,
  TransportFactory,
  TransportContext,
  TransportHooks,
  TransportStatus,
  Delivery,
  SendTarget,
  PublishRequest,
  PublishTarget,
  QueueSpec,
  QueueRef,
  WireMessage,
  WireProperties,
} from './transport.js';
export { REPLY_TO } from './transport.js';
export type {
  EventMap,
  EventName,
  EventPattern,
  MatchingEvents,
  EventMeta,
  EventHandler,
  AnyEventHandler,
  HeaderValue,
  PublishOptions,
  AckPublishOptions,
  EncodedEvent,
  Destination,
  CloseOptions,
  Unsubscribe,
  FailureKind,
  FailureReport,
  Logger,
} from './types.js';
export type {
  BusStatus,
  StatusChange,
  BusStatusChange,
  HandlerStatusChange,
  HandlerStatus,
  HandlerHealth,
  BusHealth,
  BusStats,
  EventStats,
  HandlerDurationStats,
  HistogramStats,
} from './bus-state.js';
export type {
  RequestMap,
  RequestShape,
  RequestName,
  RequestOf,
  ResponseOf,
  RequestHandler,
  RequestOptions,
  HandleOptions,
} from './requests/request-types.js';
export type { InstanceRef, InstanceInfo, PresenceChange, DeliveryReport } from './presence/presence-types.js';
export type { BusActivity, BusObserver, Observation, ObservedMessage, ObservedQueue } from './observe/bus-activity.js';
export { HANDLER_DURATION_BUCKETS, DELIVERY_LAG_BUCKETS, MAX_TRACKED_EVENTS, OTHER_EVENTS } from './metrics/event-metrics.js';
export { prometheusText, renderPrometheusText, escapeLabelValue, REMIT_METRICS, PROMETHEUS_CONTENT_TYPE } from './metrics/prometheus.js';
export type { MetricsSource, MetricFamily, MetricSample, MetricDefinition, MetricsReading } from './metrics/prometheus.js';
export { registerPrometheusMetrics } from './metrics/prom-client-metrics.js';
export type { PrometheusRegistry } from './metrics/prom-client-metrics.js';
export { metricsRoute } from './metrics/metrics-endpoint.js';
export type { MetricsRouteOptions, MetricsResponse, ServableRegistry, PromClientModule } from './metrics/metrics-endpoint.js';
export type { EventSchemas, InferEvents, InferEventInputs } from './schemas/schema-types.js';
