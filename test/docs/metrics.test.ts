import { describe, expect, it } from 'vitest';
import { runDocSnippet } from '../helpers/doc-snippets.js';

describe('docs/metrics.md', () => {
  it('runs its snippet: an Express app scrapes its own /metrics and prints the counted events', async () => {
    const { stdout } = await runDocSnippet('metrics.md');
    expect(stdout.trim().split('\n')).toEqual([
      'remit_events_handled_total{service="shop",event="order.placed"} 3',
      'remit_connected{service="shop"} 1',
    ]);
  });
});
