import type { Codec } from './codecs.js';
import { ConfigError, PayloadTooLargeError, RemitError, toError } from '../errors.js';

/** Encodes an event, request or reply payload; throws RemitError or PayloadTooLargeError, sends nothing. */
export function encodePayload(codec: Codec, name: string, payload: unknown, maxPayloadBytes: number): Buffer {
  // JSON has no function or symbol: superjson would send `{}` (which every receiver dead-letters)
  // and JSON.stringify `null`. Refused here, so the sender hears of it rather than its receivers.
  if (typeof payload === 'function' || typeof payload === 'symbol') {
    throw new ConfigError('payload', `a ${typeof payload} cannot be sent as the payload of "${name}"; send data (an object, array, string, number …).`);
  }
  let body: Buffer;
  try {
    body = codec.encode(payload);
  } catch (cause) {
    throw new RemitError(`The "${codec.name}" codec could not encode the payload of "${name}": ${toError(cause).message}`, {
      cause,
    });
  }
  if (body.length > maxPayloadBytes) throw new PayloadTooLargeError(name, body.length, maxPayloadBytes);
  return body;
}
