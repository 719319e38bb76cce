import { describe, expect, it } from 'vitest';
import { DedupWindow } from '../src/events/dedup-window.js';

describe('DedupWindow', () => {
  it('remembers the last `size` ids and forgets older ones, oldest first', () => {
    const window = new DedupWindow(3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) window.remember(id);
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => window.has(id))).toEqual([false, false, true, true, true]);
  });

  it('counts an id remembered twice once, so it does not push others out early', () => {
    const window = new DedupWindow(2);
    window.remember('a');
    window.remember('a');
    window.remember('b');
    expect([window.has('a'), window.has('b')]).toEqual([true, true]);
    window.remember('c');
    expect([window.has('a'), window.has('b'), window.has('c')]).toEqual([false, true, true]);
  });

  it('keeps exactly `size` ids over many laps of its ring', () => {
    const window = new DedupWindow(100);
    for (let n = 0; n < 10_000; n++) window.remember(`id-${n}`);
    const kept = Array.from({ length: 10_000 }, (_, n) => n).filter((n) => window.has(`id-${n}`));
    expect(kept).toEqual(Array.from({ length: 100 }, (_, n) => 9_900 + n));
  });

  it('remembers nothing with size 0', () => {
    const window = new DedupWindow(0);
    window.remember('a');
    expect(window.has('a')).toBe(false);
  });
});
