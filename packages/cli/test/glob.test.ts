import { describe, expect, it } from 'vitest';
import { eventMatcher, topicBindingKeys } from '../src/glob.js';

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

/** RabbitMQ's topic matching, for checking the keys: `*` one word, `#` zero or more. */
function amqpTopicMatches(key: string, name: string): boolean {
  const match = (keys: string[], words: string[]): boolean => {
    const [head, ...rest] = keys;
    if (head === undefined) return words.length === 0;
    if (head === '#') return match(rest, words) || (words.length > 0 && match(keys, words.slice(1)));
    const [word, ...others] = words;
    return word !== undefined && (head === '*' || head === word) && match(rest, others);
  };
  return match(key.split('.'), name.split('.'));
}

describe('topicBindingKeys', () => {
  it('binds a topic queue for the patterns: whole-segment * as *, ** and ? as #, none as #', () => {
    expect(topicBindingKeys([])).toEqual(['#']);
    expect(topicBindingKeys(['user.*'])).toEqual(['user.*']);
    expect(topicBindingKeys(['user.**', 'order.placed'])).toEqual(['user.#', 'order.placed']);
    expect(topicBindingKeys(['user.cr*', 'job.v?'])).toEqual(['user.*', 'job.#']);
    expect(topicBindingKeys(['a.*', 'a.*'])).toEqual(['a.*']);
  });

  it('lets through every name a pattern matches (the matcher then picks exactly)', () => {
    const patterns = ['user.*', 'user.**', 'job.v?', 'a?b', 'order.pl*ced', '*.created', 'x.**.y'];
    const names = ['user.created', 'user.profile.updated', 'job.v2', 'job.v10', 'a.b', 'axb', 'order.placed', 'team.created', 'x.y', 'x.a.b.y', 'user'];
    for (const pattern of patterns) {
      const keys = topicBindingKeys([pattern]);
      for (const name of names) {
        if (eventMatcher([pattern])(name)) expect(keys.some((key) => amqpTopicMatches(key, name)), `${pattern} → ${keys.join(' ')} for ${name}`).toBe(true);
      }
    }
  });
});
