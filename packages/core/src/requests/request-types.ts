import type { EventMeta, HeaderValue } from '../types.js';

/**
 * The request map: request names to `{ request, response }` type pairs, the second type argument
 * of `createBus<Events, Requests>()`. Without it any name is accepted and payloads are `unknown`.
 *
 * @example
 * type Requests = { 'price.quote': { request: { sku: string }; response: { cents: number } } };
 * const bus = createBus<Events, Requests>({ service: 'shop', transport });
 * const { cents } = await bus.request('price.quote', { sku: 'A-1' });
 */
export type RequestMap = Record<string, { request: unknown; response: unknown }>;

/** Every entry of a request map is a `{ request, response }` pair (interfaces are fine too). */
export type RequestShape<R> = { [K in keyof R]: { request: unknown; response: unknown } };

/** Request names of a map, as strings. */
export type RequestName<R> = keyof R & string;

/** The payload a request of that name carries. */
export type RequestOf<R, K extends keyof R> = R[K] extends { request: infer Q } ? Q : never;

/** The reply a request of that name resolves with. */
export type ResponseOf<R, K extends keyof R> = R[K] extends { response: infer S } ? S : never;

/**
 * Serves one request name. Its return value (awaited) is the reply; a throw rejects the caller's
 * `request()` with `RemoteError`. `meta` describes the request like an event's meta.
 */
export type RequestHandler<Q, S> = (payload: Q, meta: EventMeta) => S | Promise<S>;

export interface RequestOptions {
  /**
   * Reject with RequestTimeoutError when no reply arrived by then. Also the request's time to live
   * in the queue: a request nobody took by then is discarded by the broker.
   * @default the bus option `requestTimeoutMs` (10000)
   */
  timeoutMs?: number;
  /** Aborting rejects the request at once with the signal's reason; a reply arriving later is dropped. */
  signal?: AbortSignal;
  /** Application headers, delivered in the handler's `meta.headers`. */
  headers?: Record<string, HeaderValue>;
}

export interface HandleOptions {
  /**
   * Send the stack of a thrown error to the caller (in `RemoteError.remoteStack`). Off by default:
   * a stack tells a caller about your code and paths.
   * @default false
   */
  exposeStack?: boolean;
}
