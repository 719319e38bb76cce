import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../src/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the last items and finds what came after one', () => {
    const buffer = new RingBuffer<number>(3);
    for (const n of [1, 2, 3, 4, 5]) buffer.push(n);
    expect(buffer.size).toBe(3);
    expect(buffer.after((n) => n === 3)).toEqual([4, 5]);
    expect(buffer.after((n) => n === 5)).toEqual([]);
    // 2 was pushed out last: everything kept came after it.
    expect(buffer.after((n) => n === 2)).toEqual([3, 4, 5]);
    // 1 is older still: what came between is unknown.
    expect(buffer.after((n) => n === 1)).toBeUndefined();
  });

  it('keeps nothing with capacity 0', () => {
    const buffer = new RingBuffer<number>(0);
    buffer.push(1);
    expect(buffer.size).toBe(0);
    expect(buffer.after((n) => n === 1)).toBeUndefined();
  });
});
