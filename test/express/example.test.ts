import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, deleteTopology, unique, waitFor } from '../helpers/broker.js';
import { stopProcessGroup } from '../helpers/processes.js';
import { SseReader } from './sse-reader.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/express/', import.meta.url));

let example: ChildProcess | undefined;
let exchange = '';
let reader: SseReader | undefined;
afterEach(async () => {
  reader?.close();
  await stopProcessGroup(example);
  await deleteTopology({ exchanges: [exchange] });
});

describe('examples/express, started as its README says', () => {
  it('a POST to one instance shows up on the event stream of the other', async () => {
    exchange = unique('test.example.express');
    let output = '';
    // The README's `pnpm start` is "build the packages, then node main.mjs". The test command has
    // built them, and rebuilding here would pull dist/ from under the tests running beside this one.
    example = spawn(process.execPath, ['main.mjs'], {
      cwd: EXAMPLE,
      env: { ...process.env, AMQP_URL, PORT_A: '0', PORT_B: '0', REMIT_EXCHANGE: exchange },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    example.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    example.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = (name: string): string | undefined =>
      [...output.matchAll(/\[(\w)\] listening on http:\/\/localhost:(\d+)/g)].find((match) => match[1] === name)?.[2];
    await waitFor('both instances to listen', () => port('a') !== undefined && port('b') !== undefined, 20_000);
    const [a, b] = [`http://127.0.0.1:${port('a')}`, `http://127.0.0.1:${port('b')}`];

    const page = await fetch(`${b}/`);
    expect(await page.text()).toContain("new EventSource('/events')");
    reader = await SseReader.open(`${b}/events`);
    const posted = await fetch(`${a}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello from a' }),
    });
    expect(posted.status).toBe(202);
    await reader.until('the message on b’s stream', (r) => r.events.length === 1);

    const [event] = reader.events;
    expect(event?.event).toBe('message.posted');
    expect(JSON.parse(event?.data ?? '{}')).toEqual({ text: 'hello from a', from: 'a', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    await waitFor('both instances to log the event', () =>
      output.includes('[a] message.posted from this instance: hello from a') &&
      output.includes('[b] message.posted from another instance (a): hello from a'),
    );
    expect((await fetch(`${a}/health`)).status).toBe(200);
    // b received the one event a published; its metrics say so.
    const scraped = parsePrometheusText(await (await fetch(`${b}/metrics`)).text());
    expect(sampleValue(scraped, 'remit_events_received_total', { service: 'example-express', event: 'message.posted' })).toBe(1);
    expect(sampleValue(scraped, 'remit_delivery_lag_seconds_count', { service: 'example-express', event: 'message.posted' })).toBe(1);

    await stopProcessGroup(example);
    expect(output).toContain('[a] closed');
    expect(output).toContain('[b] closed');
  }, 60_000);
});
