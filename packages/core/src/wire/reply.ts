import type { CodecLookup } from './codecs.js';
import type { EnvelopeSource } from './envelope.js';
import { Header, text } from './headers.js';
import { DecodeError, NoResponderError, RemoteError, type RemoteErrorDetails } from '../errors.js';
import type { WireMessage, WireProperties } from '../transport.js';
import { isRecord } from '../config-checks.js';

/**
 * The reply half of request/reply on the wire (docs/wire-format.md): a message to the request's
 * `replyTo` with its `correlationId`, header `remit-status` `ok` (body = the encoded response) or
 * `error` (body = JSON `{ name, message, code?, stack? }`).
 */

export type ReplyStatus = 'ok' | 'error';

export interface Reply {
  status: ReplyStatus;
  codec: string;
  body: Buffer;
}

/**
 * The reply message: only what the asker reads. Who answered matters only to explain an error
 * (RemoteError's remoteService and remoteInstance), so an `ok` reply leaves it out.
 */
export function toReplyMessage(source: EnvelopeSource, replyTo: string, correlationId: string | undefined, reply: Reply): WireMessage {
  const headers: Record<string, unknown> = { [Header.status]: reply.status, [Header.codec]: reply.codec };
  const properties: WireProperties = { contentType: 'application/json', headers };
  if (correlationId !== undefined) properties.correlationId = correlationId;
  if (reply.status === 'error') {
    properties.appId = source.service;
    headers[Header.instance] = source.instanceId;
  }
  return { routingKey: replyTo, body: reply.body, properties };
}

/** The code a responder sends when it has no handler for the name (a stale binding, a rolling deploy). */
export const NO_HANDLER_CODE = 'ERR_NO_RESPONDER';

/** JSON body of an error reply, from what a handler threw. */
export function errorBody(thrown: unknown, exposeStack: boolean): Buffer {
  const error = thrown instanceof Error ? thrown : undefined;
  const code = isRecord(thrown) && typeof thrown.code === 'string' ? thrown.code : undefined;
  const details: RemoteErrorDetails = {
    name: error?.name ?? 'Error',
    message: error?.message ?? (typeof thrown === 'string' ? thrown : `Non-error thrown: ${String(thrown)}`),
    ...(code === undefined ? {} : { code }),
    ...(exposeStack && error?.stack ? { stack: error.stack } : {}),
  };
  return Buffer.from(JSON.stringify(details));
}

export type ReadReply = { ok: true; value: unknown } | { ok: false; error: Error };

/** Turns a reply into the request's result or the error it rejects with. */
export function readReply(requestName: string, message: WireMessage, codecs: CodecLookup, maxPayloadBytes: number): ReadReply {
  const { headers, appId } = message.properties;
  if (message.body.length > maxPayloadBytes) {
    return { ok: false, error: new DecodeError('oversized', `The reply to "${requestName}" is ${message.body.length} bytes, over maxPayloadBytes.`) };
  }
  if (text(headers[Header.status]) === 'error') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const body = isRecord(parsed) ? parsed : {};
    const field = (key: string) => (typeof body[key] === 'string' ? body[key] : undefined);
    const code = field('code');
    const remoteMessage = field('message') ?? 'the responder sent an unreadable error';
    if (code === NO_HANDLER_CODE) return { ok: false, error: new NoResponderError(requestName, remoteMessage) };
    const instance = text(headers[Header.instance]);
    const stack = field('stack');
    return {
      ok: false,
      error: new RemoteError(requestName, {
        name: field('name') ?? 'Error',
        message: remoteMessage,
        ...(code === undefined ? {} : { code }),
        ...(stack === undefined ? {} : { stack }),
        ...(appId === undefined ? {} : { service: appId }),
        ...(instance === undefined ? {} : { instance }),
      }),
    };
  }
  const rawCodec = headers[Header.codec];
  const codecName = rawCodec === undefined ? 'json' : (text(rawCodec) ?? '');
  const codec = codecs(codecName);
  if (!codec) return { ok: false, error: new DecodeError('unknown-codec', `The reply to "${requestName}" uses codec "${codecName}", unknown to this bus.`) };
  try {
    return { ok: true, value: codec.decode(message.body) };
  } catch (cause) {
    return { ok: false, error: new DecodeError('decode-failed', `The reply to "${requestName}" could not be decoded.`, { cause }) };
  }
}
