import { randomUUID } from 'node:crypto';
import { checkEventName, checkHeaders } from './arguments.js';
import type { Codec } from './codec.js';
import { type CodecLookup, type EnvelopeSource, toWireMessage } from './envelope.js';
import { ConfigError, ConnectionError, NoResponderError, PublishTimeoutError, RequestTimeoutError } from './errors.js';
import { encodePayload } from './outgoing.js';
import { readReply } from './reply.js';
import type { RequestOptions } from './request-types.js';
import { toError } from './retry.js';
import { type PublishOutcome, type PublishRequest, REPLY_TO, type WireMessage } from './transport.js';
import { integer, rejectUnknownKeys, requireRecord } from './validate.js';

export interface RequestClientDeps {
  source: EnvelopeSource;
  codec: Codec;
  codecs: CodecLookup;
  maxPayloadBytes: number;
  defaultTimeoutMs: number;
  publish(request: PublishRequest): Promise<PublishOutcome>;
}

interface Pending {
  readonly name: string;
  /** The broker confirmed it: it travelled on the current connection, and so must its reply. */
  sent: boolean;
  settle(result: { ok: true; value: unknown } | { ok: false; error: unknown }): void;
}

/**
 * The asking side of request/reply. Every request carries a fresh correlation id and RabbitMQ's
 * direct reply-to address, so all requests in flight share the one reply consumer of the
 * connection and replies may come back in any order. A reply nobody waits for any more (timed
 * out, aborted) is dropped without noise.
 */
export class RequestClient {
  readonly #deps: RequestClientDeps;
  readonly #pending = new Map<string, Pending>();

  constructor(deps: RequestClientDeps) {
    this.#deps = deps;
  }

  /** Requests waiting for their reply. */
  get size(): number {
    return this.#pending.size;
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
    const body = encodePayload(deps.codec, name, payload, deps.maxPayloadBytes);
    const correlationId = randomUUID();
    const message = toWireMessage(deps.source, {
      name,
      body,
      codec: deps.codec.name,
      headers,
      // A request is worth nothing once its asker stopped waiting, so it is neither written to
      // disk nor kept in the queue past its timeout.
      persistent: false,
      correlationId,
      replyTo: REPLY_TO,
      expiresInMs: timeoutMs,
    });
    return new Promise((resolve, reject) => {
      const onAbort = () => entry.settle({ ok: false, error: signal?.reason });
      const timer = setTimeout(() => entry.settle({ ok: false, error: new RequestTimeoutError(name, timeoutMs) }), timeoutMs);
      const entry: Pending = {
        name,
        sent: false,
        settle: (result) => {
          if (this.#pending.get(correlationId) !== entry) return;
          this.#pending.delete(correlationId);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (result.ok) resolve(result.value);
          else reject(result.error);
        },
      };
      this.#pending.set(correlationId, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      deps.publish({ message, target: 'requests', timeoutMs }).then(
        ({ routed }) => {
          if (!routed) entry.settle({ ok: false, error: new NoResponderError(name) });
          else entry.sent = true;
        },
        (caught: unknown) => {
          const error = caught instanceof PublishTimeoutError ? new RequestTimeoutError(name, timeoutMs) : toError(caught);
          entry.settle({ ok: false, error });
        },
      );
    });
  }

  /** A message arrived on the reply address. */
  onReply(message: WireMessage): void {
    const correlationId = message.properties.correlationId;
    const entry = correlationId === undefined ? undefined : this.#pending.get(correlationId);
    // Late (timed out, aborted) or foreign: nobody is waiting, and nobody needs to hear of it.
    if (!entry) return;
    const reply = readReply(entry.name, message, this.#deps.codecs, this.#deps.maxPayloadBytes);
    entry.settle(reply.ok ? reply : { ok: false, error: reply.error });
  }

  /**
   * The connection is gone, and with it the reply address of every request already sent: their
   * replies can never arrive. Requests still waiting to be sent go out on the next connection.
   */
  onDisconnect(): void {
    for (const entry of [...this.#pending.values()]) {
      if (!entry.sent) continue;
      entry.settle({
        ok: false,
        error: new ConnectionError(
          `The connection to the broker was lost while request "${entry.name}" waited for its reply, ` +
            'which can no longer arrive (a reply travels on the connection that sent the request). ' +
            'The request may have run; retry it if running it twice is safe.',
        ),
      });
    }
  }

  /** Rejects every request still waiting; the bus is closed. */
  rejectAll(error: Error): void {
    for (const entry of [...this.#pending.values()]) entry.settle({ ok: false, error });
  }
}
