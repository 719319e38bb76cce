export { createBus } from './bus.js';
export type { Bus } from './bus-api.js';
export type { BusOptions, RetryOptions } from './options.js';
export { amqp } from './amqp/amqp-transport.js';
export { maskUrl } from './amqp/amqp-options.js';
export type { AmqpOptions } from './amqp/amqp-options.js';
export { memory } from './memory/memory-transport.js';
export { memoryBroker, MemoryBroker } from './memory/memory-broker.js';
export { jsonCodec, SuperjsonCodec } from './codec.js';
export type { Codec, CodecOption, RegisterableClass } from './codec.js';
export { WIRE_VERSION, Header } from './envelope.js';
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
export type { RemitErrorCode } from './errors.js';
export type {
  Transport,
  TransportFactory,
  TransportContext,
  TransportHooks,
  TransportStatus,
  Delivery,
  PublishRequest,
  PublishTarget,
  QueueSpec,
  WireMessage,
  WireProperties,
} from './transport.js';
export type {
  EventMap,
  EventName,
  EventMeta,
  EventHandler,
  AnyEventHandler,
  HeaderValue,
  PublishOptions,
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
