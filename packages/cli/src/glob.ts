/**
 * Matches event names against shell-like patterns: `*` is any run of characters within one
 * dot-separated segment, `**` any run across segments, `?` one character. `user.*` matches
 * `user.created` but not `user.profile.updated`; `user.**` matches both.
 */
export function eventMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => true;
  const expressions = patterns.map(toRegExp);
  return (name) => expressions.some((expression) => expression.test(name));
}

/**
 * The AMQP topic binding keys that let through at least every name the patterns match, for a queue
 * on a topic exchange (the matcher then picks exactly): a word that is all `*` wildcards within one
 * segment becomes `*`, one with `**` or `?` (which may cross a dot) becomes `#`, a plain word stays.
 * No pattern: `#`, everything.
 */
export function topicBindingKeys(patterns: readonly string[]): string[] {
  if (patterns.length === 0) return ['#'];
  const keys = patterns.map((pattern) =>
    pattern
      .split('.')
      .map((word) => (word.includes('**') || word.includes('?') ? '#' : word.includes('*') ? '*' : word))
      .join('.'),
  );
  return [...new Set(keys)];
}

function toRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] ?? '';
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*';
      index++;
    } else if (char === '*') {
      source += '[^.]*';
    } else if (char === '?') {
      source += '.';
    } else {
      source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}
