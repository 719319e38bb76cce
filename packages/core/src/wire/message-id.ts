import { randomFillSync } from 'node:crypto';

/**
 * Message ids: UUID version 7 (RFC 9562), whose first 48 bits are the Unix time in milliseconds.
 * Wire format 2 reads an event's publish time from its id instead of sending a header for it.
 * Node 20 has no `randomUUIDv7`; this is that, with the random bits drawn in blocks like
 * `randomUUID` does, since it runs for every message sent.
 */

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** Random bytes for 512 ids at a time (10 each). */
const POOL_IDS = 512;
const pool = Buffer.alloc(POOL_IDS * 10);
let next = POOL_IDS;

/** A new UUIDv7 string for `ms` (the Unix time in milliseconds). */
export function uuidv7(ms: number = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const r = next++ * 10;
  // 48 bits of time, big-endian: the top 16 and the low 32 (the low 32 with >>> to stay unsigned).
  const high = Math.floor(ms / 0x1_0000_0000);
  const low = ms >>> 0;
  const time =
    HEX[(high >>> 8) & 0xff]! + HEX[high & 0xff]! + HEX[low >>> 24]! + HEX[(low >>> 16) & 0xff]! + '-' + HEX[(low >>> 8) & 0xff]! + HEX[low & 0xff]!;
  const p = pool;
  return (
    time +
    '-' +
    HEX[0x70 | (p[r]! & 0x0f)]! +
    HEX[p[r + 1]!]! +
    '-' +
    HEX[0x80 | (p[r + 2]! & 0x3f)]! +
    HEX[p[r + 3]!]! +
    '-' +
    HEX[p[r + 4]!]! +
    HEX[p[r + 5]!]! +
    HEX[p[r + 6]!]! +
    HEX[p[r + 7]!]! +
    HEX[p[r + 8]!]! +
    HEX[p[r + 9]!]!
  );
}

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The Unix time in milliseconds a UUIDv7 carries; undefined for any other id. */
export function uuidv7Time(id: string): number | undefined {
  if (id.length !== 36 || !V7.test(id)) return undefined;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
