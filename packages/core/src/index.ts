export { createBus } from './bus.js';
export type { Bus, PayloadMap } from './bus-api.js';
export type { BusOptions, RetryOptions } from './options.js';
export { amqp } from './amqp/amqp-transport.js';
export { maskUrl } from './amqp/amqp-options.js';
export type { AmqpOptions } from './amqp/amqp-options.js';
export { memory } from './memory/memory-transport.js';
export { memoryBroker, MemoryBroker } from './memory/memory-broker.js';
export { jsonCodec, SuperjsonCodec } from './codec.js';
export type { Codec, CodecOption, RegisterableClass } from './codec.js';
export { WIRE_VERSION, Header } from './envelope.js';
export { PresenceType } from './presence.js';
export { toAsyncAPI } from './asyncapi.js';
export type { AsyncAPISource, AsyncAPIInfo, AsyncAPIOptions } from './asyncapi.js';
export type { AsyncAPICodec, JsonSchema, JsonSchemaExporter } from './asyncapi-schema.js';
export type {
  AsyncAPIDocument,
  AsyncAPIChannel,
  AsyncAPIMessage,
  AsyncAPIOperation,
  AsyncAPIServer,
  AsyncAPIReference,
  AsyncAPIAmqpChannelBinding,
} from './asyncapi-document.js';
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
  WireMessage,
  WireProperties,
} from './transport.js';
export { REPLY_TO } from './transport.js';
export type {
  EventMap,
  EventName,
  EventMeta,
  EventHandler,
  AnyEventHandler,
  HeaderValue,
  PublishOptions,
  AckPublishOptions,
  Destination,
  SubscribeOptions,
  CloseOptions,
  Unsubscribe,
  BusStatus,
  StatusChange,
  BusHealth,
  BusStats,
  FailureKind,
  FailureReport,
} from './types.js';
export type {
  RequestMap,
  RequestShape,
  RequestName,
  RequestOf,
  ResponseOf,
  RequestHandler,
  RequestOptions,
  HandleOptions,
} from './request-types.js';
export type { InstanceRef, InstanceInfo, PresenceChange, DeliveryReport } from './presence-types.js';
export type { EventStats, HandlerDurationStats, HistogramStats } from './metrics-types.js';
export { HANDLER_DURATION_BUCKETS, DELIVERY_LAG_BUCKETS, MAX_TRACKED_EVENTS, OTHER_EVENTS } from './event-metrics.js';
export { prometheusText, renderPrometheusText, escapeLabelValue, REMIT_METRICS, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
export type { MetricsSource, MetricFamily, MetricSample, MetricDefinition, MetricsReading } from './prometheus.js';
export { registerPrometheusMetrics } from './prom-client-metrics.js';
export type { PrometheusRegistry } from './prom-client-metrics.js';
export { metricsRoute } from './metrics-endpoint.js';
export type { MetricsRouteOptions, MetricsResponse, ServableRegistry, PromClientModule } from './metrics-endpoint.js';
export type { EventSchemas, InferEvents, InferEventInputs } from './schema-types.js';
