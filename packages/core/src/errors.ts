import type { StandardSchemaV1 } from '@standard-schema/spec';

/** Machine-readable error codes; one per error class. */
export type RemitErrorCode =
  | 'ERR_REMIT'
  | 'ERR_CONFIG'
  | 'ERR_CONNECTION'
  | 'ERR_PUBLISH_TIMEOUT'
  | 'ERR_BUFFER_FULL'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_DECODE'
  | 'ERR_CLOSED'
  | 'ERR_REQUEST_TIMEOUT'
  | 'ERR_NO_RESPONDER'
  | 'ERR_REMOTE'
  | 'ERR_VALIDATION'
  | 'ERR_UNRECOVERABLE';

interface RemitErrorOptions {
  cause?: unknown;
}

/** Base of every error remit throws or rejects with. Branch on `code` or on the subclass. */
export class RemitError extends Error {
  readonly code: RemitErrorCode;

  constructor(message: string, options: RemitErrorOptions & { code?: RemitErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'ERR_REMIT';
    // Subclasses set their own name, so `err.name` survives minification-free builds and logs.
    this.name = 'RemitError';
  }
}

/** An option passed to `createBus`, a transport or a codec is invalid; nothing was started. */
export class ConfigError extends RemitError {
  /** Dotted path of the offending option, e.g. `transport.url`. */
  readonly field: string;

  constructor(field: string, problem: string, options: RemitErrorOptions = {}) {
    super(`Invalid option "${field}": ${problem}`, { ...options, code: 'ERR_CONFIG' });
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** The broker could not be reached or the connection was lost; remit is retrying unless closed. */
export class ConnectionError extends RemitError {
  constructor(message: string, options: RemitErrorOptions = {}) {
    super(message, { ...options, code: 'ERR_CONNECTION' });
    this.name = 'ConnectionError';
  }
}

/** The broker did not confirm a publish within `publishTimeoutMs`; the event may or may not have been delivered. */
export class PublishTimeoutError extends RemitError {
  readonly eventName: string;
  readonly timeoutMs: number;

  /** `neverStarted`: the event waited in the outbox of a bus whose start() was never called. */
  constructor(eventName: string, timeoutMs: number, options: RemitErrorOptions & { neverStarted?: boolean } = {}) {
    super(
      options.neverStarted
        ? `Event "${eventName}" was not sent within ${timeoutMs} ms because the bus was never started: ` +
            'call bus.start() (publishes made before it wait in the outbox and go out on start).'
        : `Event "${eventName}" was not confirmed by the broker within ${timeoutMs} ms. ` +
            'Check that RabbitMQ is reachable, or raise publishTimeoutMs.',
      { ...(options.cause === undefined ? {} : { cause: options.cause }), code: 'ERR_PUBLISH_TIMEOUT' },
    );
    this.name = 'PublishTimeoutError';
    this.eventName = eventName;
    this.timeoutMs = timeoutMs;
  }
}

/** The outbox of unsent events is full (the broker is down or slow); this event was not queued. */
export class BufferFullError extends RemitError {
  /** The bound that was hit: a number of events (`outbox.maxMessages`) or of bytes (`outbox.maxBytes`). */
  readonly limit: number;
  readonly bound: 'messages' | 'bytes';

  constructor(limit: number, options: RemitErrorOptions & { bound?: 'messages' | 'bytes' } = {}) {
    const bound = options.bound ?? 'messages';
    super(
      (bound === 'bytes'
        ? `The outbox already holds close to ${limit} bytes of unsent events (outbox.maxBytes), so this one was rejected. `
        : `The outbox already holds ${limit} unsent events (outbox.maxMessages), so this one was rejected. `) +
        `The broker is unreachable or slower than the publish rate; retry later or raise outbox.${bound === 'bytes' ? 'maxBytes' : 'maxMessages'}.`,
      { ...(options.cause === undefined ? {} : { cause: options.cause }), code: 'ERR_BUFFER_FULL' },
    );
    this.name = 'BufferFullError';
    this.limit = limit;
    this.bound = bound;
  }
}

/** The encoded event is larger than `maxPayloadBytes`; it was not sent. */
export class PayloadTooLargeError extends RemitError {
  readonly size: number;
  readonly limit: number;

  constructor(eventName: string, size: number, limit: number) {
    super(
      `Event "${eventName}" encodes to ${size} bytes, over the ${limit}-byte limit (maxPayloadBytes). ` +
        'Send a reference to the data instead, or raise maxPayloadBytes on every bus.',
      { code: 'ERR_PAYLOAD_TOO_LARGE' },
    );
    this.name = 'PayloadTooLargeError';
    this.size = size;
    this.limit = limit;
  }
}

/** A received message could not be decoded into an event; it was dead-lettered with this reason. */
export class DecodeError extends RemitError {
  /** Short machine-readable reason, also written to the `remit-dead-reason` header. */
  readonly reason: string;

  constructor(reason: string, message: string, options: RemitErrorOptions = {}) {
    super(message, { ...options, code: 'ERR_DECODE' });
    this.name = 'DecodeError';
    this.reason = reason;
  }
}

/** The bus is closing or closed; start a new bus to publish again. */
export class ClosedError extends RemitError {
  constructor(what = 'The bus') {
    super(`${what} is closed. Create and start a new bus to continue.`, { code: 'ERR_CLOSED' });
    this.name = 'ClosedError';
  }
}

/** No reply arrived within the request's `timeoutMs`; the request may or may not have been handled. */
export class RequestTimeoutError extends RemitError {
  readonly requestName: string;
  readonly timeoutMs: number;

  constructor(requestName: string, timeoutMs: number) {
    super(
      `Request "${requestName}" got no reply within ${timeoutMs} ms. ` +
        'Is an instance that serves it running and keeping up? Raise timeoutMs if it is just slow.',
      { code: 'ERR_REQUEST_TIMEOUT' },
    );
    this.name = 'RequestTimeoutError';
    this.requestName = requestName;
    this.timeoutMs = timeoutMs;
  }
}

/** No service serves the requested name (the broker had nowhere to route it); nothing ran. */
export class NoResponderError extends RemitError {
  readonly requestName: string;

  constructor(requestName: string, detail = 'no service has a handler for it') {
    super(
      `Request "${requestName}" reached no responder: ${detail}. ` +
        `Start a service that calls bus.handle("${requestName}", …), or check the name.`,
      { code: 'ERR_NO_RESPONDER' },
    );
    this.name = 'NoResponderError';
    this.requestName = requestName;
  }
}

/** What a responder tells about the error its handler threw. */
export interface RemoteErrorDetails {
  name: string;
  message: string;
  /** The thrown error's `code` property, when it had a string one. */
  code?: string;
  /** Only when the responder's handler was registered with `exposeStack: true`. */
  stack?: string;
  /** Service and instance that answered. */
  service?: string;
  instance?: string;
}

/** The remote handler threw; the request ran (maybe partly) and failed there. */
export class RemoteError extends RemitError {
  readonly requestName: string;
  /** `name` of the remote error, e.g. `TypeError`. */
  readonly remoteName: string;
  readonly remoteMessage: string;
  readonly remoteCode: string | undefined;
  readonly remoteStack: string | undefined;
  readonly remoteService: string | undefined;
  readonly remoteInstance: string | undefined;

  constructor(requestName: string, remote: RemoteErrorDetails) {
    const where = remote.service ? ` in ${remote.service}${remote.instance ? ` (${remote.instance})` : ''}` : '';
    super(`Request "${requestName}" failed${where}: ${remote.name}: ${remote.message}`, { code: 'ERR_REMOTE' });
    this.name = 'RemoteError';
    this.requestName = requestName;
    this.remoteName = remote.name;
    this.remoteMessage = remote.message;
    this.remoteCode = remote.code;
    this.remoteStack = remote.stack;
    this.remoteService = remote.service;
    this.remoteInstance = remote.instance;
  }
}

/**
 * A payload failed its event's schema. On `publish` nothing was sent; on receipt the event was
 * dead-lettered (reason `validation-failed`) and no handler saw it.
 */
export class ValidationError extends RemitError {
  readonly eventName: string;
  /** The schema library's issues, as Standard Schema reports them (`message`, `path`). */
  readonly issues: readonly StandardSchemaV1.Issue[];

  constructor(eventName: string, issues: readonly StandardSchemaV1.Issue[], side: 'publish' | 'receive' = 'publish') {
    const outcome =
      side === 'publish'
        ? 'Nothing was sent; fix the payload, or the schema in createBus({ schemas }).'
        : 'It was dead-lettered and no handler saw it; fix the publisher, or this bus\'s schema.';
    super(`Payload of "${eventName}" failed its schema: ${describeIssues(issues)}. ${outcome}`, { code: 'ERR_VALIDATION' });
    this.name = 'ValidationError';
    this.eventName = eventName;
    this.issues = issues;
  }
}

/**
 * Thrown by a handler for a failure that no retry can fix (a malformed order, a customer that no
 * longer exists): the event is dead-lettered at once, without further tries or delays.
 *
 * @example
 * bus.on('order.placed', async (order) => {
 *   if (!order.lines.length) throw new UnrecoverableError('an order without lines');
 * });
 */
export class UnrecoverableError extends RemitError {
  constructor(message: string, options: RemitErrorOptions = {}) {
    super(message, { ...options, code: 'ERR_UNRECOVERABLE' });
    this.name = 'UnrecoverableError';
  }
}

/**
 * The transport could not encode a message (a header table over amqplib's 64 KiB, a value it has no
 * AMQP type for); nothing was sent, and sending it again cannot help. Seen by callers as a
 * RemitError; core's own dead-lettering catches it to send the dead letter without the original
 * headers. Not exported: callers branch on RemitError.
 */
export class MessageEncodingError extends RemitError {
  constructor(what: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${what} could not be encoded for the broker (${reason}); it was not sent.`, { cause });
  }
}

/** Whatever was thrown, as an Error: a thrown string or object becomes its message. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `Non-error thrown: ${String(value)}`);
}

// ── how schema issues read to people (ValidationError's message) ──────────────────────────────

const LISTED_ISSUES = 10;
/** The issue's path as one would write it in JavaScript (`items[2].sku`); empty for the payload itself. */
export function issuePath(issue: StandardSchemaV1.Issue): string {
  let path = '';
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key === 'number') path += `[${key}]`;
    else path += path === '' ? String(key) : `.${String(key)}`;
  }
  return path;
}

/** `email: Invalid email; tags[0]: Expected string`: the first few issues, each with where it is. */
export function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  if (issues.length === 0) return 'the schema reported no details';
  const listed = issues.slice(0, LISTED_ISSUES).map((issue) => {
    const path = issuePath(issue);
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length - listed.length;
  return listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
}
