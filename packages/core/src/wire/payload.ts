import type { Codec } from './codecs.js';
import { PayloadTooLargeError, RemitError, toError } from '../errors.js';

/** Encodes an event, request or reply payload; throws RemitError or PayloadTooLargeError, sends nothing. */
export function encodePayload(codec: Codec, name: string, payload: unknown, maxPayloadBytes: number): Buffer {
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
