import { describe, expect, it } from 'vitest';
import { DedupWindow } from '../src/events/dedup-window.js';

/** Handles each id in turn, as the dispatcher does for events that succeed. */
function handle(window: DedupWindow, ids: string[]): void {
  for (const id of ids) if (window.begin(id, false)) window.end(id, true);
}

describe('DedupWindow', () => {
  it('remembers at least the last `size` handled ids and at most twice that, dropping the oldest', () => {
    const window = new DedupWindow(3);
    handle(window, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    // Generations of 3: [a b c] was dropped when [g] began, [d e f] is the previous one.
    expect(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => window.has(id))).toEqual([false, false, false, true, true, true, true]);
  });

  it('keeps every one of the last `size` ids over many rotations', () => {
    const window = new DedupWindow(100);
    handle(window, Array.from({ length: 10_000 }, (_, n) => `id-${n}`));
    const kept = Array.from({ length: 10_000 }, (_, n) => n).filter((n) => window.has(`id-${n}`));
    expect(kept.length).toBeGreaterThanOrEqual(100);
    expect(kept.length).toBeLessThanOrEqual(200);
    // The kept ones are the newest, without a gap.
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, n) => 10_000 - kept.length + n));
  });

  it('refuses a second copy while the first is being handled, and after it was handled', () => {
    const window = new DedupWindow(10);
    expect(window.begin('a', false)).toBe(true);
    expect(window.begin('a', false)).toBe(false);
    window.end('a', true);
    expect(window.begin('a', false)).toBe(false);
    expect(window.begin('a', true)).toBe(false);
  });

  it('forgets an id that was not handled, so a redelivery is handled', () => {
    const window = new DedupWindow(10);
    window.begin('a', false);
    window.end('a', false);
    expect(window.has('a')).toBe(false);
    expect(window.begin('a', false)).toBe(true);
  });

  it("lets a delayed retry through while its first delivery settles, and keeps the retry's success", () => {
    const window = new DedupWindow(10);
    window.begin('a', false);
    expect(window.begin('a', true)).toBe(true);
    window.end('a', true);
    // The first delivery's settling (it sent the retry) ends after the retry was handled.
    window.end('a', false);
    expect(window.has('a')).toBe(true);
  });

  it.each([1, 5])('refuses a copy of an event being handled across %i rotations of the window, and remembers it once handled', (rotations) => {
    const window = new DedupWindow(1);
    window.begin('slow', false);
    handle(window, Array.from({ length: rotations }, (_, n) => `other-${n}`));
    expect(window.begin('slow', false)).toBe(false);
    window.end('slow', true);
    expect(window.has('slow')).toBe(true);
  });

  it('with size 0 remembers nothing handled, but still refuses a copy of one being handled', () => {
    const window = new DedupWindow(0);
    window.begin('a', false);
    expect(window.begin('a', false)).toBe(false);
    window.end('a', true);
    expect(window.has('a')).toBe(false);
    expect(window.begin('a', false)).toBe(true);
  });
});
