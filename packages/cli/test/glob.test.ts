import { describe, expect, it } from 'vitest';
import { eventMatcher } from '../src/glob.js';

describe('eventMatcher', () => {
  it('matches everything without a pattern', () => {
    expect(eventMatcher([])('anything.at.all')).toBe(true);
  });

  it('* stays within one segment, ** crosses segments, ? is one character', () => {
    const one = eventMatcher(['user.*']);
    const deep = eventMatcher(['user.**']);
    const single = eventMatcher(['job.v?']);

    expect(one('user.created')).toBe(true);
    expect(one('user.profile.updated')).toBe(false);
    expect(one('users.created')).toBe(false);
    expect(deep('user.profile.updated')).toBe(true);
    expect(single('job.v2')).toBe(true);
    expect(single('job.v10')).toBe(false);
  });

  it('treats regular-expression characters literally and accepts any of several patterns', () => {
    const matches = eventMatcher(['a+b(c)', 'order.*']);

    expect(matches('a+b(c)')).toBe(true);
    expect(matches('aab(c)')).toBe(false);
    expect(matches('order.placed')).toBe(true);
  });
});
