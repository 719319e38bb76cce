import type { Request } from 'express';
import { GatewayRejection } from './gateway-errors.js';

/**
 * The request's payload: what a body parser already made of it (`express.json()`), or its JSON
 * body read here, up to `limitBytes`. An empty body is `{}`, as express.json() makes it.
 */
export async function readJsonBody(req: Request, limitBytes: number): Promise<unknown> {
  // A body parser that ran has consumed the stream (body-parser also marks the request `_body`).
  if (Reflect.get(req, '_body') === true || req.readableEnded) return req.body ?? {};
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limitBytes) {
      const message = `The request body is over ${limitBytes} bytes (the gateway's limitBytes).`;
      throw new GatewayRejection(413, { error: { name: 'PayloadTooLargeError', message } });
    }
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (caught) {
    const message = `The request body is not valid JSON: ${caught instanceof Error ? caught.message : String(caught)}`;
    throw new GatewayRejection(400, { error: { name: 'SyntaxError', message } });
  }
}
