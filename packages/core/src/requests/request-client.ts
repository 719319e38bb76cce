import { checkEventName, checkHeaders, integer, rejectUnknownKeys, requireRecord } from '../config-checks.js';
import type { Codec, CodecLookup } from '../wire/codecs.js';
import { type EnvelopeSource, eventMeta, toWireMessage } from '../wire/envelope.js';
import type { Observers } from '../observe/observers.js';
import { ConfigError, ConnectionError, NoResponderError, RequestTimeoutError } from '../errors.js';
import { encodePayload } from '../wire/payload.js';
import { readReply } from '../wire/reply.js';
import type { RequestOptions } from './request-types.js';
import type { OperationSpan, Tracing } from '../tracing/tracing.js';
import { REPLY_TO, type Transport, type WireMessage } from '../transport.js';

export interface RequestClientDeps {
  source: EnvelopeSource;
  codec: Codec;
  codecs: CodecLookup;
  maxPayloadBytes: number;
  defaultTimeoutMs: number;
  transport: Pick<Transport, 'send'>;
  /** A CLIENT span per request; undefined when tracing is off. */
  tracing?: Tracing | undefined;
  /** Hear every request, when the bus is observed (`bus.observe()`). */
  observers: Observers;
}

/** Where a request waits for its reply, as seen by the request itself. */
interface Waiting {
  readonly pending: Map<string, PendingRequest>;
  readonly unsent: Set<PendingRequest>;
}

/**
 * One request waiting for its reply. A class rather than closures: thousands are made per second,
 * and its methods serve as the timeout callback and (`handleEvent`) the abort listener.
 */
class PendingRequest {
  /** Written on the current connection, which its reply must come back on. */
  sent = false;
  readonly timer: NodeJS.Timeout;
  /** Ends with the request: at its reply, timeout or abort. */
  span: OperationSpan | undefined = undefined;

  constructor(
    readonly waiting: Waiting,
    readonly correlationId: string,
    readonly name: string,
    readonly message: WireMessage,
    readonly timeoutMs: number,
    /** When the asker stops waiting (ms since the epoch). */
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {
    this.timer = setTimeout(timedOut, timeoutMs, this);
    signal?.addEventListener('abort', this, { once: true });
  }

  /** The signal aborted. */
  handleEvent(): void {
    this.fail(this.signal?.reason);
  }

  succeed(value: unknown): void {
    if (!this.#finish()) return;
    this.span?.succeed();
    this.resolve(value);
  }

  fail(error: unknown): void {
    if (!this.#finish()) return;
    this.span?.fail(error);
    this.reject(error);
  }

  #finish(): boolean {
    if (this.waiting.pending.get(this.correlationId) !== this) return false;
    this.waiting.pending.delete(this.correlationId);
    this.waiting.unsent.delete(this);
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this);
    return true;
  }
}

function timedOut(entry: PendingRequest): void {
  entry.fail(new RequestTimeoutError(entry.name, entry.timeoutMs));
}

/**
 * The asking side of request/reply. Every request carries a fresh correlation id and RabbitMQ's
 * direct reply-to address, so all requests in flight share the one reply consumer of the
 * connection and replies may come back in any order. A reply nobody waits for any more (timed
 * out, aborted) is dropped without noise.
 *
 * Requests are written at once, without a publisher confirm: the reply is the confirmation, and
 * a request no queue takes comes back as a return (NoResponderError). Made while disconnected, a
 * request waits for the next connection, within its timeout.
 */
export class RequestClient {
  readonly #deps: RequestClientDeps;
  readonly #waiting: Waiting = { pending: new Map(), unsent: new Set() };

  constructor(deps: RequestClientDeps) {
    this.#deps = deps;
  }

  /** Requests waiting for their reply. */
  get size(): number {
    return this.#waiting.pending.size;
  }

  request(name: string, payload: unknown, options: RequestOptions = {}): Promise<unknown> {
    const deps = this.#deps;
    checkEventName(name);
    rejectUnknownKeys('', requireRecord('options', options), ['timeoutMs', 'signal', 'headers']);
    const timeoutMs = integer('timeoutMs', options.timeoutMs, deps.defaultTimeoutMs, { min: 1, max: 2 ** 31 - 1 });
    const { signal } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ConfigError('signal', 'expected an AbortSignal.');
    const headers = checkHeaders(options.headers);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { body, codec } = encodePayload(deps.codec, name, payload, deps.maxPayloadBytes);
    const message = toWireMessage(deps.source, {
      name,
      body,
      codec,
      headers,
      // A request is worth nothing once its asker stopped waiting, so it is neither written to
      // disk nor kept in the queue past its timeout.
      persistent: false,
      replyTo: REPLY_TO,
      expiresInMs: timeoutMs,
    });
    // The request's own id correlates its reply: unique, and one UUID fewer per request.
    const correlationId = message.properties.messageId ?? '';
    message.properties.correlationId = correlationId;
    const replied = new Promise((resolve, reject) => {
      const entry = new PendingRequest(this.#waiting, correlationId, name, message, timeoutMs, Date.now() + timeoutMs, signal, resolve, reject);
      if (deps.tracing?.enabled) entry.span = deps.tracing.request(message);
      this.#waiting.pending.set(correlationId, entry);
      this.#send(entry);
    });
    if (deps.observers.active) deps.observers.emit({ kind: 'request', request: { name, payload, meta: eventMeta(message, false) }, done: replied });
    return replied;
  }

  #send(entry: PendingRequest): void {
    entry.sent = this.#deps.transport.send(entry.message, 'requests');
    if (!entry.sent) this.#waiting.unsent.add(entry);
  }

  /** Connected (again): requests made meanwhile go out, oldest first, with what is left of their time to live. */
  onConnected(): void {
    const unsent = [...this.#waiting.unsent];
    this.#waiting.unsent.clear();
    for (const entry of unsent) {
      entry.message.properties.expiration = String(Math.max(1, entry.deadline - Date.now()));
      this.#send(entry);
    }
  }

  /** The broker returned a request: no queue is bound to its name, so nobody serves it. */
  onReturned(message: WireMessage): void {
    const entry = this.#entry(message);
    entry?.fail(new NoResponderError(entry.name));
  }

  /** A message arrived on the reply address. */
  onReply(message: WireMessage): void {
    const entry = this.#entry(message);
    // Late (timed out, aborted) or foreign: nobody is waiting, and nobody needs to hear of it.
    if (!entry) return;
    const reply = readReply(entry.name, message, this.#deps.codecs, this.#deps.maxPayloadBytes);
    if (reply.ok) entry.succeed(reply.value);
    else entry.fail(reply.error);
  }

  /**
   * The connection is gone, and with it the reply address of every request already sent: their
   * replies can never arrive. Requests not sent yet go out on the next connection.
   */
  onDisconnect(): void {
    for (const entry of [...this.#waiting.pending.values()]) {
      if (!entry.sent) continue;
      entry.fail(
        new ConnectionError(
          `The connection to the broker was lost while request "${entry.name}" waited for its reply, ` +
            'which can no longer arrive (a reply travels on the connection that sent the request). ' +
            'The request may have run; retry it if running it twice is safe.',
        ),
      );
    }
  }

  /** Rejects every request still waiting; the bus is closed. */
  rejectAll(error: Error): void {
    for (const entry of [...this.#waiting.pending.values()]) entry.fail(error);
  }

  #entry(message: WireMessage): PendingRequest | undefined {
    const correlationId = message.properties.correlationId;
    return correlationId === undefined ? undefined : this.#waiting.pending.get(correlationId);
  }
}
