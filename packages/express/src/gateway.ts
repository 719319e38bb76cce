import type { Bus, EventSchemas, PayloadMap, RequestMap, RequestName, RequestOf, RequestShape } from '@remit/core';
import { ConfigError } from '@remit/core';
import type { Request, Response } from 'express';
import { browserValue } from './browser-json.js';
import { readJsonBody } from './gateway-body.js';
import { errorResponse, GatewayRejection } from './gateway-errors.js';
import { requireBus, requireRecord, rejectUnknownKeys } from './option-checks.js';

/** A Standard Schema (zod, valibot, arktype …), the kind `createBus({ schemas })` takes. */
export type RequestSchema = EventSchemas[string];

/** Options of `gateway(bus, name, options)`. */
export interface GatewayOptions {
  /**
   * How long to wait for the reply before answering 504. Also the request's time to live in the
   * service's queue.
   * @default the bus's `requestTimeoutMs` (10000)
   */
  timeoutMs?: number;
  /**
   * The schema a body must pass, checked before anything is sent: a body that fails it is answered
   * 400 with the schema's issues. remit's request/reply has no schemas of its own (createBus's
   * `schemas` are for events); a responder that validates and throws a ValidationError is answered
   * 400 too.
   * @default none: the body goes to the responder as it is
   */
  schema?: RequestSchema;
  /**
   * Largest JSON body the gateway reads itself, in bytes (413 over it). A body `express.json()`
   * already parsed is used as it is, within that parser's own limit.
   * @default 1048576 (1 MiB, the bus's default maxPayloadBytes)
   */
  limitBytes?: number;
}

const DEFAULT_LIMIT_BYTES = 1_048_576;

/**
 * An Express handler that turns an HTTP request into `bus.request(name, body)` and answers with
 * the reply as JSON (200), like Msglite's HTTP proxy. Failures answer `{ "error": { "name",
 * "message" } }`: 503 when nobody serves `name` (NoResponderError) or the bus is closed, 504 on
 * timeout, 502 when the responder's handler threw (its message; where it ran stays inside), 400
 * for a body that is not JSON or fails `schema`, 413 for one too large. Requests wait in the
 * service's durable queue while its instances restart, so a rolling restart loses none that fits
 * in the timeout. A client that goes away aborts its request.
 *
 * @example
 * app.post('/quote', gateway(bus, 'price.quote', { timeoutMs: 2000 }));
 * // curl -X POST localhost:3000/quote -H 'content-type: application/json' -d '{"sku":"A-1"}'  →  200 {"cents":1250}
 */
export function gateway<E extends object, R extends RequestShape<R>, P extends PayloadMap<E>, K extends RequestName<R>>(
  bus: Bus<E, R, P>,
  name: K,
  options: GatewayOptions = {},
): (req: Request, res: Response) => Promise<void> {
  requireBus(bus);
  if (typeof name !== 'string' || name.length === 0) throw new ConfigError('name', 'expected the request name to serve, e.g. "price.quote".');
  const { timeoutMs, schema, limitBytes } = normalizeGatewayOptions(options);
  return async function remitGateway(req: Request, res: Response): Promise<void> {
    const aborted = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) aborted.abort(new Error('the HTTP client went away'));
    };
    res.once('close', onClose);
    try {
      let payload = await readJsonBody(req, limitBytes);
      if (schema) payload = await checkBody(schema, name, payload);
      const requestOptions = { signal: aborted.signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
      // The body was JSON and passed the schema, if any: the request map is the contract from here.
      const reply = await bus.request(name, payload as RequestOf<R, K>, requestOptions);
      send(res, 200, reply);
    } catch (caught) {
      if (aborted.signal.aborted) return;
      const answer = errorResponse(caught);
      send(res, answer.status, answer.body);
    } finally {
      res.off('close', onClose);
    }
  };
}

/** Only the reply's value goes out: never its headers or meta. Types JSON lacks are written as toBrowserJson does. */
function send(res: Response, status: number, body: unknown): void {
  if (res.headersSent) return;
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .type('application/json')
    .send(JSON.stringify(body ?? null, browserValue));
}

async function checkBody(schema: RequestSchema, name: string, payload: unknown): Promise<unknown> {
  const result = await schema['~standard'].validate(payload);
  if (!result.issues) return result.value;
  const issues = result.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message }));
  const listed = issues.map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`)).join('; ');
  throw new GatewayRejection(400, { error: { name: 'ValidationError', message: `The body of "${name}" failed its schema: ${listed}.`, issues } });
}

/** Where a Standard Schema issue is: keys, or segments holding one. */
type IssuePath = ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;

/** `items[0].sku`: where an issue is, as one writes it in JavaScript. */
function issuePath(path: IssuePath): string {
  let text = '';
  for (const segment of path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    text += typeof key === 'number' ? `[${key}]` : text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

function normalizeGatewayOptions(options: unknown): { timeoutMs: number | undefined; schema: RequestSchema | undefined; limitBytes: number } {
  const record = requireRecord('options', options);
  rejectUnknownKeys(record, ['timeoutMs', 'schema', 'limitBytes']);
  const { timeoutMs, schema, limitBytes } = record;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2 ** 31 - 1)) {
    throw new ConfigError('timeoutMs', `expected a whole number of milliseconds from 1 to ${2 ** 31 - 1}, got ${String(timeoutMs)}.`);
  }
  if (schema !== undefined && !isStandardSchema(schema)) {
    throw new ConfigError('schema', 'expected a Standard Schema (zod, valibot, arktype …: an object with "~standard".validate).');
  }
  if (limitBytes !== undefined && (typeof limitBytes !== 'number' || !Number.isSafeInteger(limitBytes) || limitBytes < 1)) {
    throw new ConfigError('limitBytes', `expected a whole number of bytes >= 1, got ${String(limitBytes)}.`);
  }
  return { timeoutMs, schema, limitBytes: limitBytes ?? DEFAULT_LIMIT_BYTES };
}

function isStandardSchema(value: unknown): value is RequestSchema {
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function') return false;
  const standard: unknown = Reflect.get(value, '~standard');
  return typeof standard === 'object' && standard !== null && typeof Reflect.get(standard, 'validate') === 'function';
}
