import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Time } from '../src/wire/message-id.js';

describe('UUIDv7 message ids', () => {
  it('are RFC 9562 version 7 UUIDs carrying the time in milliseconds', () => {
    const ms = Date.UTC(2026, 11, 5, 4, 30, 0, 123);
    const id = uuidv7(ms);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toBe(ms);
    // The first 48 bits are the time, big-endian, so ids sort by time across milliseconds.
    expect(id.slice(0, 13)).toBe(`${ms.toString(16).padStart(12, '0').slice(0, 8)}-${ms.toString(16).padStart(12, '0').slice(8)}`);
    expect(uuidv7(ms + 1) > id).toBe(true);
  });

  it('are unique across many ids in the same millisecond and across refills of the random pool', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => uuidv7(1_800_000_000_000)));
    expect(ids.size).toBe(5000);
  });

  it('reads no time from other ids', () => {
    expect(uuidv7Time('0f8fad5b-d9cb-469f-a165-70867728950e')).toBeUndefined();
    expect(uuidv7Time('order-42')).toBeUndefined();
    expect(uuidv7Time('')).toBeUndefined();
    const id = uuidv7(1_800_000_000_000);
    // Shaped like a UUIDv7 but not one: a character that is not a hex digit, a dash out of place, another variant.
    expect(uuidv7Time(`${id.slice(0, 30)}g${id.slice(31)}`)).toBeUndefined();
    expect(uuidv7Time(`${id.slice(0, 8)}0${id.slice(9)}`)).toBeUndefined();
    expect(uuidv7Time(`${id.slice(0, 19)}c${id.slice(20)}`)).toBeUndefined();
  });

  it('reads ids written in upper case too, as RFC 9562 allows', () => {
    expect(uuidv7Time(uuidv7(1_800_000_000_000).toUpperCase())).toBe(1_800_000_000_000);
  });

  it('covers the whole 48-bit range of times', () => {
    for (const ms of [0, 1, 0xffff_ffff, 0x1_0000_0000, 2 ** 48 - 1]) expect(uuidv7Time(uuidv7(ms))).toBe(ms);
  });
});
