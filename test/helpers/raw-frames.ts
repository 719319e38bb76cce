import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Channel } from 'amqplib';

/**
 * Publishes messages amqplib's own encoder refuses to build: a header table nested thousands of
 * levels deep (its encoder recurses too, and overflows at ~2,500 levels, below the ~3,600 at which
 * its decoder does). The frames are written by hand into the channel's own write buffer, so they
 * keep their order with the channel's other publishes. Test-only: it relies on amqplib internals.
 */

const require = createRequire(import.meta.url);
const defs = require(join(dirname(require.resolve('amqplib')), 'lib/defs.js')) as {
  encodeMethod(method: number, channel: number, fields: Record<string, unknown>): Buffer;
  BasicPublish: number;
};

const FRAME_HEADER = 2;
const FRAME_BODY = 3;
const FRAME_END = 0xce;
const FLAG_HEADERS = 0x2000;
const FLAG_DELIVERY_MODE = 0x1000;
const FLAG_TYPE = 0x0020;
const FLAG_MESSAGE_ID = 0x0080;

function frame(type: number, channel: number, payload: Buffer): Buffer {
  const bytes = Buffer.alloc(7 + payload.length + 1);
  bytes[0] = type;
  bytes.writeUInt16BE(channel, 1);
  bytes.writeUInt32BE(payload.length, 3);
  payload.copy(bytes, 7);
  bytes[7 + payload.length] = FRAME_END;
  return bytes;
}

/** The bytes of a field table (without its length prefix) nesting `depth` tables under key `a`. */
export function nestedTables(depth: number): Buffer {
  let body = Buffer.alloc(0);
  for (let level = 0; level < depth; level++) {
    const entry = Buffer.alloc(1 + 1 + 1 + 4);
    entry[0] = 1;
    entry[1] = 0x61; // 'a'
    entry[2] = 0x46; // 'F': a table
    entry.writeUInt32BE(body.length, 3);
    body = Buffer.concat([entry, body]);
  }
  return body;
}

/** A table `{ a: [[[…]]] }` with arrays nested `depth` deep. */
export function nestedArrays(depth: number): Buffer {
  let array = Buffer.alloc(0);
  for (let level = 0; level < depth; level++) {
    const entry = Buffer.alloc(5);
    entry[0] = 0x41; // 'A': an array
    entry.writeUInt32BE(array.length, 1);
    array = Buffer.concat([entry, array]);
  }
  return Buffer.concat([Buffer.from([1, 0x61]), array]);
}

function shortString(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** Publishes `body` with a hand-made header table, a message id and a type, on a plain (unconfirmed) channel. */
export function publishWithRawHeaders(
  channel: Channel,
  exchange: string,
  routingKey: string,
  headerTable: Buffer,
  body: Buffer,
  properties: { messageId: string; type: string },
): void {
  // Internals of amqplib's Channel: its number and its connection's per-channel write buffer.
  const internals = channel as unknown as {
    ch: number;
    connection: { frameMax: number; channels: Array<{ buffer: { write(bytes: Buffer): boolean } }> };
  };
  const number = internals.ch;
  const method = defs.encodeMethod(defs.BasicPublish, number, { exchange, routingKey, mandatory: false, immediate: false, ticket: 0 });
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerTable.length);
  // Properties in flag order: headers, deliveryMode, messageId, type.
  const props = Buffer.concat([length, headerTable, Buffer.from([2]), shortString(properties.messageId), shortString(properties.type)]);
  const prefix = Buffer.alloc(14);
  prefix.writeUInt16BE(60, 0); // class basic
  prefix.writeUInt16BE(0, 2); // weight
  prefix.writeBigUInt64BE(BigInt(body.length), 4);
  prefix.writeUInt16BE(FLAG_HEADERS | FLAG_DELIVERY_MODE | FLAG_MESSAGE_ID | FLAG_TYPE, 12);
  const header = frame(FRAME_HEADER, number, Buffer.concat([prefix, props]));
  const max = internals.connection.frameMax - 8;
  const bodies: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += max) bodies.push(frame(FRAME_BODY, number, body.subarray(offset, offset + max)));
  const target = internals.connection.channels[number];
  if (!target) throw new Error(`amqplib has no channel ${number}`);
  target.buffer.write(Buffer.concat([method, header, ...bodies]));
}
