import { randomFillSync } from 'node:crypto';

/**
 * Message ids: UUID version 7 (RFC 9562), whose first 48 bits are the Unix time in milliseconds.
 * Wire format 2 reads an event's publish time from its id instead of sending a header for it.
 * Node 20 has no `randomUUIDv7`; this is that, with the random bits drawn in blocks like
 * `randomUUID` does, since it runs for every message sent.
 */

/** The two ASCII hex digits of each byte value, side by side: the high digit, then the low one. */
const HEX_DIGITS = new Uint8Array(512);
for (let byte = 0; byte < 256; byte++) {
  const hex = byte.toString(16).padStart(2, '0');
  HEX_DIGITS[byte * 2] = hex.charCodeAt(0);
  HEX_DIGITS[byte * 2 + 1] = hex.charCodeAt(1);
}
/** Random bytes for 512 ids at a time (10 each). */
const POOL_IDS = 512;
const pool = Buffer.alloc(POOL_IDS * 10);
let next = POOL_IDS;
/**
 * The id is written here as ASCII, then read out as one flat string. Built by string
 * concatenation it was some twenty intermediate strings per id: 600 bytes of garbage for every
 * message sent (heap profile of `pnpm bench`'s publisher).
 */
const text = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');
/** Where each of the 16 bytes goes in the text: the offset of its first hex digit. */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

function put(index: number, byte: number): void {
  const at = AT[index]!;
  text[at] = HEX_DIGITS[byte * 2]!;
  text[at + 1] = HEX_DIGITS[byte * 2 + 1]!;
}

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
  put(0, (high >>> 8) & 0xff);
  put(1, high & 0xff);
  put(2, low >>> 24);
  put(3, (low >>> 16) & 0xff);
  put(4, (low >>> 8) & 0xff);
  put(5, low & 0xff);
  // Version 7 in the high nibble of byte 6, variant 0b10 in the top bits of byte 8.
  put(6, 0x70 | (pool[r]! & 0x0f));
  put(7, pool[r + 1]!);
  put(8, 0x80 | (pool[r + 2]! & 0x3f));
  for (let index = 9; index < 16; index++) put(index, pool[r + index - 6]!);
  return text.toString('latin1');
}

/** The value of each hex digit by character code; -1 for any other character. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUE[digit.toString(16).charCodeAt(0)] = digit;
  HEX_VALUE[digit.toString(16).toUpperCase().charCodeAt(0)] = digit;
}
const DASH = 0x2d;
const SEVEN = 0x37;

/**
 * The Unix time in milliseconds a UUIDv7 carries; undefined for any other id. Read character by
 * character rather than with a regular expression: it runs for every delivery, and the regular
 * expression took 0.6 µs of a consumer's CPU per event (`pnpm bench --wire` profiles).
 */
export function uuidv7Time(id: string): number | undefined {
  if (id.length !== 36 || id.charCodeAt(14) !== SEVEN || ((HEX_VALUE[id.charCodeAt(19)] ?? -1) & 0b1100) !== 0b1000) return undefined;
  let time = 0;
  for (let index = 0; index < 36; index++) {
    const code = id.charCodeAt(index);
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== DASH) return undefined;
      continue;
    }
    const value = HEX_VALUE[code] ?? -1;
    if (value < 0) return undefined;
    // The first 12 hex digits (48 bits, big-endian) are the time; a double holds them exactly.
    if (index < 13) time = time * 16 + value;
  }
  return time;
}
