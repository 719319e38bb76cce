import { describe, expect, it } from 'vitest';
import { deleteTopology, unique } from '../helpers/broker.js';
import { runDocSnippet } from '../helpers/doc-snippets.js';

describe('docs/scaling.md', () => {
  it('runs its snippet: under topic routing billing receives the one event its pattern matches', async () => {
    const exchange = unique('test.events.topic');
    try {
      const { stdout } = await runDocSnippet('scaling.md', { env: { REMIT_EXCHANGE: exchange } });
      expect(stdout.trim().split('\n')).toEqual(['billing handled order.placed o-1', 'billing received 1 event(s); 2 went nowhere']);
    } finally {
      await deleteTopology({ exchanges: [exchange] });
    }
  });
});
