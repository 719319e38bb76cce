import type { Codec } from './codec.js';
import { PayloadTooLargeError, RemitError } from './errors.js';
import { toError } from './retry.js';

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

/** Waits for `work`, or until the signal aborts, whichever comes first; never rejects. */
export function untilAborted(work: Promise<unknown>, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void work.finally(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(undefined);
    });
  });
}
