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
