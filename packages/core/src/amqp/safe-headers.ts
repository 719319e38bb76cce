import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A message whose header table amqplib cannot decode must not take the connection down.
 *
 * amqplib decodes header tables recursively: a table nested ~3,600 levels deep (25 KB, well within
 * a frame) overflows the stack while the frame is decoded, amqplib closes the whole connection,
 * the broker requeues the message, and every reconnect meets it again (measured: 19 connections
 * died in 3 s, the queue wedged for good). So, before amqplib decodes a content-header frame, its
 * header table is walked without recursion; one nested deeper than MAX_HEADER_DEPTH, or one that
 * amqplib fails to decode anyway, is cut out of the frame, and the message is delivered with empty
 * headers and the reason under UNDECODABLE_HEADERS, for the bus to dead-letter it. Every other
 * frame is decoded exactly as amqplib does.
 *
 * This patches amqplib's Connection.prototype.recvFrame (the one decode step amqplib looks up on
 * the object each time), once per process: every connection of that amqplib copy gets it. It
 * relies on amqplib internals, so package.json pins amqplib's minor version, and the patch is
 * left out (with the old behaviour) if the internals it needs are not there.
 */

/** Where a message's undecodable headers are explained, on its amqplib `properties`. */
export const UNDECODABLE_HEADERS = Symbol.for('remit.amqp.undecodableHeaders');

/** Deepest header table accepted; remit writes flat ones, and nothing legitimate nests this far. */
export const MAX_HEADER_DEPTH = 32;

const FLAG_CONTENT_TYPE = 0x8000;
const FLAG_CONTENT_ENCODING = 0x4000;
const FLAG_HEADERS = 0x2000;
/** Bytes taken by the value of each fixed-size AMQP field type, by type tag. */
const FIXED_SIZE = new Int8Array(256).fill(-1);
for (const [tag, size] of Object.entries({ b: 1, B: 1, t: 1, s: 2, u: 2, I: 4, i: 4, f: 4, d: 8, l: 8, T: 8, D: 5, V: 0 })) {
  FIXED_SIZE[tag.charCodeAt(0)] = size;
}
const TAG_LONG_STRING = 0x53; // S
const TAG_BYTES = 0x78; // x
const TAG_TABLE = 0x46; // F
const TAG_ARRAY = 0x41; // A

interface Frame {
  type: number;
  channel: number;
  payload: Buffer;
  rest: Buffer;
}

/** The amqplib internals the patch uses, loaded by path: amqplib's `exports` map hides lib/. */
interface AmqplibInternals {
  Connection: { prototype: Record<string | symbol, unknown> };
  parseFrame(bin: Buffer, max: number): Frame | false;
  decodeFrame(frame: Pick<Frame, 'type' | 'channel' | 'payload'>): { fields?: Record<string | symbol, unknown> };
  FRAME_HEADER: number;
}

/** The connection object's fields recvFrame reads and writes. */
interface ConnectionState {
  rest: Buffer;
  maxFrameSize: number;
  recvSinceLastCheck: boolean;
  stream: { read(): Buffer | null };
  recvFrame(): unknown;
}

const PATCHED = Symbol.for('remit.amqp.safeHeadersPatched');

/**
 * True when a header table (its bytes, without the length prefix) nests deeper than `maxDepth`;
 * the table itself is level 1. Iterative, so any depth is safe to check. Malformed bytes answer
 * false: amqplib's own decoder then fails, and that failure is caught instead.
 */
export function nestsDeeperThan(buffer: Buffer, start: number, end: number, maxDepth: number): boolean {
  const ends = [end];
  const tables = [true];
  let offset = start;
  while (ends.length > 0) {
    const top = ends.length - 1;
    const limit = ends[top] ?? end;
    if (offset >= limit) {
      if (offset > limit) return false;
      ends.pop();
      tables.pop();
      continue;
    }
    // A table's entries start with a short-string key; an array's do not.
    if (tables[top]) offset += 1 + (buffer[offset] ?? 0);
    if (offset >= limit) return false;
    const tag = buffer[offset++] ?? 0;
    const fixed = FIXED_SIZE[tag] ?? -1;
    if (fixed >= 0) {
      offset += fixed;
      continue;
    }
    if (tag !== TAG_LONG_STRING && tag !== TAG_BYTES && tag !== TAG_TABLE && tag !== TAG_ARRAY) return false;
    if (offset + 4 > limit) return false;
    const length = buffer.readUInt32BE(offset);
    offset += 4;
    if (offset + length > limit) return false;
    if (tag === TAG_TABLE || tag === TAG_ARRAY) {
      if (ends.length >= maxDepth) return true;
      ends.push(offset + length);
      tables.push(tag === TAG_TABLE);
    } else {
      offset += length;
    }
  }
  return false;
}

/** Where the header table sits in a content-header frame's payload, if it has one. */
function locateHeaders(payload: Buffer): { lengthOffset: number; start: number; end: number; flags: number } | null {
  // class (2), weight (2), body size (8), property flags (2), then the properties in flag order.
  if (payload.length < 14) return null;
  const flags = payload.readUInt16BE(12);
  if (!(flags & FLAG_HEADERS)) return null;
  let offset = 14;
  if (flags & FLAG_CONTENT_TYPE) offset += 1 + (payload[offset] ?? 0);
  if (flags & FLAG_CONTENT_ENCODING) offset += 1 + (payload[offset] ?? 0);
  if (offset + 4 > payload.length) return null;
  const length = payload.readUInt32BE(offset);
  if (offset + 4 + length > payload.length) return null;
  return { lengthOffset: offset, start: offset + 4, end: offset + 4 + length, flags };
}

function loadInternals(): AmqplibInternals | null {
  try {
    const require = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    const root = dirname(require.resolve('amqplib'));
    // Untyped boundary: amqplib's internal modules, checked below before use.
    const connection = require(join(root, 'lib/connection.js')) as { Connection?: AmqplibInternals['Connection'] };
    const frame = require(join(root, 'lib/frame.js')) as Partial<AmqplibInternals>;
    const defs = require(join(root, 'lib/defs.js')) as { constants?: { FRAME_HEADER?: number } };
    const FRAME_HEADER = defs.constants?.FRAME_HEADER;
    if (!connection.Connection || typeof connection.Connection.prototype.recvFrame !== 'function') return null;
    if (typeof frame.parseFrame !== 'function' || typeof frame.decodeFrame !== 'function' || typeof FRAME_HEADER !== 'number') return null;
    return { Connection: connection.Connection, parseFrame: frame.parseFrame, decodeFrame: frame.decodeFrame, FRAME_HEADER };
  } catch {
    return null;
  }
}

/** Installs the guard on amqplib once per process; false when amqplib's internals are not as expected. */
export function guardHeaderDecoding(): boolean {
  const internals = loadInternals();
  if (!internals) return false;
  const { Connection, parseFrame, decodeFrame, FRAME_HEADER } = internals;
  const prototype = Connection.prototype;
  if (prototype[PATCHED]) return true;

  function withoutHeaders(frame: Frame, at: NonNullable<ReturnType<typeof locateHeaders>>, reason: string) {
    const payload = frame.payload;
    const stripped = Buffer.concat([payload.subarray(0, at.lengthOffset), payload.subarray(at.end)]);
    stripped.writeUInt16BE(at.flags & ~FLAG_HEADERS, 12);
    const decoded = decodeFrame({ type: frame.type, channel: frame.channel, payload: stripped });
    if (decoded.fields) {
      decoded.fields.headers = {};
      decoded.fields[UNDECODABLE_HEADERS] = reason;
    }
    return decoded;
  }

  function decodeHeaderFrame(frame: Frame): unknown {
    const at = locateHeaders(frame.payload);
    if (at === null) return decodeFrame(frame);
    if (nestsDeeperThan(frame.payload, at.start, at.end, MAX_HEADER_DEPTH)) {
      return withoutHeaders(frame, at, `its header table nests deeper than ${MAX_HEADER_DEPTH} levels`);
    }
    try {
      return decodeFrame(frame);
    } catch (caught) {
      const message = caught instanceof Error ? caught.message : String(caught);
      return withoutHeaders(frame, at, `its header table could not be decoded (${message})`);
    }
  }

  // amqplib's own recvFrame, with content-header frames decoded through decodeHeaderFrame.
  prototype.recvFrame = function recvFrame(this: ConnectionState): unknown {
    const frame = parseFrame(this.rest, this.maxFrameSize);
    if (!frame) {
      const incoming = this.stream.read();
      if (incoming === null) return false;
      this.recvSinceLastCheck = true;
      this.rest = Buffer.concat([this.rest, incoming]);
      return this.recvFrame();
    }
    this.rest = frame.rest;
    return frame.type === FRAME_HEADER ? decodeHeaderFrame(frame) : decodeFrame(frame);
  };
  prototype[PATCHED] = true;
  return true;
}
