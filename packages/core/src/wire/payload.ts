import { type Codec, SuperjsonCodec } from './codecs.js';
import { ConfigError, PayloadTooLargeError, RemitError, toError } from '../errors.js';

/** A payload's body, and the name of the codec that reads it (the `remit-codec` header). */
export interface EncodedPayload {
  body: Buffer;
  codec: string;
}

/**
 * Encodes an event, request or reply payload; throws RemitError or PayloadTooLargeError, sends
 * nothing. With the superjson codec, a payload that is plain JSON is sent as plain JSON under the
 * `json` codec (wire format 2): every reader decodes it to the same value, and the message needs
 * no codec header.
 */
export function encodePayload(codec: Codec, name: string, payload: unknown, maxPayloadBytes: number): EncodedPayload {
  // JSON has no function or symbol: superjson would send `{}` (which every receiver dead-letters)
  // and JSON.stringify `null`. Refused here, so the sender hears of it rather than its receivers.
  if (typeof payload === 'function' || typeof payload === 'symbol') {
    throw new ConfigError('payload', `a ${typeof payload} cannot be sent as the payload of "${name}"; send data (an object, array, string, number …).`);
  }
  let encoded: EncodedPayload;
  try {
    encoded = codec instanceof SuperjsonCodec ? codec.encodeWire(payload) : { body: codec.encode(payload), codec: codec.name };
  } catch (cause) {
    throw new RemitError(`The "${codec.name}" codec could not encode the payload of "${name}": ${toError(cause).message}`, {
      cause,
    });
  }
  if (encoded.body.length > maxPayloadBytes) throw new PayloadTooLargeError(name, encoded.body.length, maxPayloadBytes);
  return encoded;
}
