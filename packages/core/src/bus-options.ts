import { type Codec, type CodecOption, codecOption, SuperjsonCodec } from './wire/codecs.js';
import { ConfigError } from './errors.js';
import type { TransportFactory } from './transport.js';
import type { FailureReport, Logger } from './types.js';
import { DEFAULT_RETRY, type NormalizedRetry, normalizeRetry, type RetryOptions } from './policies/retry-options.js';
import type { EventSchemas } from './schemas/schema-types.js';
import { type SchemaLookup, schemaOptions } from './schemas/schema-validation.js';
import { integer, isRecord, nonEmptyString, rejectUnknownKeys, requireRecord } from './config-checks.js';

/** Options of `createBus`. */
export interface BusOptions {
  /** Logical service name; instances of one service share group queues. Required. */
  service: string;
  /**
   * Stable id of this instance (e.g. the pod name). With it, the instance's broadcast queue outlives
   * a short restart (`instanceQueueExpiresMs`), so events published meanwhile are not missed.
   * @default 13 random characters ([0-9a-z]), and an exclusive queue that disappears with the connection
   */
  instanceId?: string;
  /** `amqp({ url })` for RabbitMQ, `memory()` for one process. Required. */
  transport: TransportFactory;
  /** @default 'superjson' */
  codec?: CodecOption;
  /**
   * Messages each consumer may hold unacknowledged (AMQP prefetch, per consumer). Above
   * `queueConcurrency`, the rest wait in memory, in arrival order, for a handler slot: a larger
   * buffer than the handlers in flight keeps the broker from pausing the consumer (measured in
   * docs/performance.md), at the price of more messages held by one instance of a group. A queue
   * whose handlers have a circuit breaker is consumed with no more than `queueConcurrency`, so that
   * nothing waits to run after its breaker opens.
   * @default 250
   */
  prefetch?: number;
  /**
   * Deliveries of one queue (this instance's broadcast queue, or one group's) being handled at
   * once; each runs all of its event's handlers. Also the prefetch of the request queue, whose
   * handlers all run asynchronously. A handler that returns no promise and succeeds never holds a
   * slot. Per-handler limits: the `concurrency` handler option.
   * @default 100
   */
  queueConcurrency?: number;
  /**
   * Largest encoded event, in bytes, this bus sends or accepts.
   * @default 1048576 (1 MiB)
   */
  maxPayloadBytes?: number;
  /**
   * `publish()` rejects with PublishTimeoutError when the broker has not confirmed by then.
   * @default 30000
   */
  publishTimeoutMs?: number;
  /**
   * How failing handlers are retried, unless a handler says otherwise (`on(name, fn, { retry })`):
   * in-process tries, then optional delayed redeliveries through the broker (`delays`), and which
   * errors are worth retrying (`retryIf`). Bus-level `delays` do not apply to ordered handlers.
   */
  retry?: RetryOptions;
  /**
   * How many recently handled event ids each queue remembers, at least (at most twice as many),
   * to drop redeliveries. 0 remembers none; a copy arriving while the first is being handled is
   * dropped either way.
   * @default 10000
   */
  dedupWindow?: number;
  /**
   * Broker-side deliveries of one group message before it is dead-lettered (a message whose handler
   * keeps crashing the process). Sets `x-delivery-limit` on group queues, and on the broadcast
   * queue of a stable `instanceId` (a quorum queue too).
   * @default 10
   */
  groupDeliveryLimit?: number;
  /**
   * With `instanceId`, how long the broadcast queue outlives its consumer.
   * @default 60000
   */
  instanceQueueExpiresMs?: number;
  /** Hears every handler failure, dead letter and transport error. Must not throw. */
  onError?: (report: FailureReport) => void;
  /**
   * Where failures (a handler's last failed try, a dead letter, a transport error), retries and
   * reconnects are logged, one line each: any object with `error`, `warn` and `info` (console,
   * pino, winston). `false` logs nothing.
   * @default console, unless `onError` is given (then nothing is logged)
   */
  logger?: Logger | false;
  /**
   * Version of this instance's code (e.g. your package.json version), shown by `instances()`.
   * @default null
   */
  version?: string;
  /**
   * How often this instance tells the others it is alive; it is dropped from their `instances()`
   * after 3 intervals of silence.
   * @default 5000
   */
  heartbeatIntervalMs?: number;
  /**
   * Default `timeoutMs` of `request()`.
   * @default 10000
   */
  requestTimeoutMs?: number;
  /**
   * How long the service's request queue (and its bindings) outlives its last responder. After
   * that a request for its names fails at once with NoResponderError instead of waiting.
   * @default 60000
   */
  requestQueueExpiresMs?: number;
  /**
   * OpenTelemetry spans for publishes, handlers and requests, with the W3C `traceparent` and
   * `tracestate` headers on the wire (docs/tracing.md). Takes effect only where the optional peer
   * dependency `@opentelemetry/api` is installed; `false` turns it off even then.
   * @default true
   */
  tracing?: boolean;
  /**
   * A Standard Schema (zod, valibot, arktype …) per event name. `publish` rejects a payload that
   * fails its schema with ValidationError, and a received event that fails it is dead-lettered
   * (reason `validation-failed`) before any handler sees it; handlers get the schema's output.
   * Without a type argument, createBus infers the event map from them.
   * @default none: payloads are not checked
   */
  schemas?: EventSchemas;
}

export interface NormalizedBusOptions {
  service: string;
  instanceId: string;
  stableInstance: boolean;
  transport: TransportFactory;
  codec: Codec;
  superjson: SuperjsonCodec;
  prefetch: number;
  queueConcurrency: number;
  maxPayloadBytes: number;
  publishTimeoutMs: number;
  retry: NormalizedRetry;
  dedupWindow: number;
  groupDeliveryLimit: number;
  instanceQueueExpiresMs: number;
  onError: ((report: FailureReport) => void) | undefined;
  /** null: nothing is logged. */
  logger: Logger | null;
  version: string | null;
  heartbeatIntervalMs: number;
  requestTimeoutMs: number;
  requestQueueExpiresMs: number;
  tracing: boolean;
  schemas: EventSchemas;
  schemaLookup: SchemaLookup;
}

const BUS_KEYS = [
  'service',
  'instanceId',
  'transport',
  'codec',
  'prefetch',
  'queueConcurrency',
  'maxPayloadBytes',
  'publishTimeoutMs',
  'retry',
  'dedupWindow',
  'groupDeliveryLimit',
  'instanceQueueExpiresMs',
  'onError',
  'logger',
  'version',
  'heartbeatIntervalMs',
  'requestTimeoutMs',
  'requestQueueExpiresMs',
  'tracing',
  'schemas',
] as const;

// Queue names are AMQP short strings (255 bytes) and appear in `remit.instance.<service>.<id>`.
const NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;

function name(field: string, value: unknown): string {
  const text = nonEmptyString(field, value);
  if (!NAME_PATTERN.test(text)) {
    throw new ConfigError(field, 'use 1–100 characters of letters, digits, ".", "_", ":" or "-".');
  }
  return text;
}

function isTransportFactory(value: unknown): value is TransportFactory {
  return isRecord(value) && typeof value.kind === 'string' && typeof value.create === 'function';
}

function isLogger(value: unknown): value is Logger {
  return isRecord(value) && ['error', 'warn', 'info'].every((level) => typeof value[level] === 'function');
}

function loggerOption(value: unknown, hasOnError: boolean): Logger | null {
  if (value === false) return null;
  if (value === undefined) return hasOnError ? null : console;
  if (!isLogger(value)) throw new ConfigError('logger', 'expected false or an object with error, warn and info methods (console, pino, winston).');
  return value;
}

/** Checks every option and applies every default, in one place. */
export function normalizeBusOptions(input: unknown, randomId: () => string): NormalizedBusOptions {
  const options = requireRecord('options', input);
  rejectUnknownKeys('', options, BUS_KEYS);
  if (options.service === undefined) throw new ConfigError('service', 'is required: name the service this bus belongs to.');
  const service = name('service', options.service);
  const stableInstance = options.instanceId !== undefined;
  const instanceId = stableInstance ? name('instanceId', options.instanceId) : randomId();
  if (!isTransportFactory(options.transport)) {
    throw new ConfigError('transport', 'is required: pass amqp({ url }) or memory().');
  }
  const maxPayloadBytes = integer('maxPayloadBytes', options.maxPayloadBytes, 1024 * 1024, { min: 1, max: 128 * 1024 * 1024 });
  const superjson = new SuperjsonCodec({ maxDecodedBytes: maxPayloadBytes });
  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function') {
    throw new ConfigError('onError', 'expected a function.');
  }
  if (options.tracing !== undefined && typeof options.tracing !== 'boolean') throw new ConfigError('tracing', 'expected true or false.');
  const { schemas, lookup: schemaLookup } = schemaOptions(options.schemas);
  return {
    service,
    instanceId,
    stableInstance,
    transport: options.transport,
    codec: codecOption(options.codec, superjson),
    superjson,
    prefetch: integer('prefetch', options.prefetch, 250, { min: 1, max: 65_535 }),
    queueConcurrency: integer('queueConcurrency', options.queueConcurrency, 100, { min: 1, max: 65_535 }),
    maxPayloadBytes,
    publishTimeoutMs: integer('publishTimeoutMs', options.publishTimeoutMs, 30_000, { min: 1 }),
    retry: normalizeRetry('retry', options.retry, DEFAULT_RETRY),
    dedupWindow: integer('dedupWindow', options.dedupWindow, 10_000, { min: 0, max: 10_000_000 }),
    groupDeliveryLimit: integer('groupDeliveryLimit', options.groupDeliveryLimit, 10, { min: 1, max: 1000 }),
    instanceQueueExpiresMs: integer('instanceQueueExpiresMs', options.instanceQueueExpiresMs, 60_000, { min: 1000 }),
    onError: typeof onError === 'function' ? (onError as (report: FailureReport) => void) : undefined,
    logger: loggerOption(options.logger, onError !== undefined),
    version: options.version === undefined ? null : nonEmptyString('version', options.version),
    heartbeatIntervalMs: integer('heartbeatIntervalMs', options.heartbeatIntervalMs, 5000, { min: 50, max: 3_600_000 }),
    requestTimeoutMs: integer('requestTimeoutMs', options.requestTimeoutMs, 10_000, { min: 1, max: 2 ** 31 - 1 }),
    requestQueueExpiresMs: integer('requestQueueExpiresMs', options.requestQueueExpiresMs, 60_000, { min: 1000, max: 2 ** 31 - 1 }),
    tracing: options.tracing !== false,
    schemas,
    schemaLookup,
  };
}
