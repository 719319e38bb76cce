import { describe, expect, it } from 'vitest';
import { runDocSnippet } from '../helpers/doc-snippets.js';

describe('docs/asyncapi.md', () => {
  it('its snippet runs and prints each event\u2019s channel and the Date field as a date-time string', async () => {
    const { stdout } = await runDocSnippet('asyncapi.md');

    expect(stdout.trim().split('\n')).toEqual(['user.created', 'order.placed', '{"type":"string","format":"date-time"}']);
  });
});
