import { describe, expect, it } from 'vitest';
import { runDocSnippet } from '../helpers/doc-snippets.js';

describe('docs/tracing.md', () => {
  it('its snippet shows one trace from publish to the handler’s own span, each a child of the one before', async () => {
    const { stdout } = await runDocSnippet('tracing.md');
    const lines = stdout.trim().split('\n');
    const wire = /^traceparent on the wire: 00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(lines[0] ?? '');
    expect(wire, stdout).not.toBeNull();
    const traceId = wire?.[1];
    const spans = lines.slice(1).map((line) => {
      const match = /^trace ([0-9a-f]{32}): (.+) <- (.+)$/.exec(line);
      if (!match) throw new Error(`unexpected line: ${line}`);
      return { traceId: match[1], name: match[2], parent: match[3] };
    });
    expect(spans.every((span) => span.traceId === traceId)).toBe(true);
    expect(spans.map(({ name, parent }) => `${name} <- ${parent}`).sort()).toEqual([
      'charge card <- process order.created',
      'process order.created <- publish order.created',
      'publish order.created <- root',
    ]);
  });
});
