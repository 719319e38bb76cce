import { afterEach, describe, expect, it } from 'vitest';
import { amqp, type Bus, ClosedError, ConnectionError, createBus, type Logger, PublishTimeoutError } from '@remit/core';
import { AMQP_URL } from '../helpers/broker.js';

/** Lines a bus logged, by level. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    error: (line) => void lines.push(`error ${line}`),
    warn: (line) => void lines.push(`warn ${line}`),
    info: (line) => void lines.push(`info ${line}`),
  };
}

const open: Bus[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((bus) => bus.close({ timeoutMs: 1000 })));
});

function bus(url: string, options: { connectTimeoutMs?: number; publishTimeoutMs?: number; logger?: Logger } = {}): Bus {
  const created = createBus({
    service: 'loud',
    transport: amqp({ url, connectTimeoutMs: options.connectTimeoutMs ?? 30_000 }),
    ...(options.publishTimeoutMs === undefined ? {} : { publishTimeoutMs: options.publishTimeoutMs }),
    logger: options.logger ?? false,
  });
  open.push(created);
  return created;
}

/** The broker's URL with other credentials or another vhost. */
function variant(change: (url: URL) => void): string {
  const url = new URL(AMQP_URL);
  change(url);
  return url.toString();
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

describe('failures a new user meets are loud and quick', () => {
  it('rejects start() at once on a wrong password, saying so and not retrying, with a 30 s connect timeout', async () => {
    const wrong = variant((url) => (url.password = 'wr0ng-Secret'));
    const { value: error, ms } = await timed(bus(wrong).start().catch((e: unknown) => e));
    console.log(`[loud] wrong password: start() rejected after ${ms.toFixed(0)} ms`);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('refused');
    expect((error as Error).message).toContain('ACCESS_REFUSED');
    expect((error as Error).message).not.toContain('wr0ng-Secret');
    // "At once" on a 30 s connect timeout: a generous bound, far from both.
    expect(ms).toBeLessThan(5000);
  });

  it('rejects start() at once on a vhost that does not exist', async () => {
    const missing = variant((url) => (url.pathname = '/no-such-vhost-for-remit'));
    const { value: error, ms } = await timed(bus(missing).start().catch((e: unknown) => e));
    console.log(`[loud] missing vhost: start() rejected after ${ms.toFixed(0)} ms`);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('vhost');
    expect(ms).toBeLessThan(5000);
  });

  it('keeps trying a closed port until connectTimeoutMs, and logs the failed attempt at once', async () => {
    const logger = recordingLogger();
    const closed = variant((url) => (url.port = '1'));
    const { value: error, ms } = await timed(bus(closed, { connectTimeoutMs: 1500, logger }).start().catch((e: unknown) => e));
    console.log(`[loud] closed port: start() rejected after ${ms.toFixed(0)} ms (connectTimeoutMs 1500); ${logger.lines.length} log line(s)`);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('within 1500 ms');
    // Every attempt fails the same way: one line, not one per attempt.
    const attempts = logger.lines.filter((line) => line.includes('Could not connect'));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatch(/^warn remit loud\/.+: transport failure: Could not connect to amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/);
  });

  it('close() during a start() that cannot connect stops the attempts at once and rejects start() with ClosedError', async () => {
    const closed = variant((url) => (url.port = '1'));
    const stuck = bus(closed, { connectTimeoutMs: 30_000 });
    const starting = stuck.start().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { ms } = await timed(stuck.close());
    const error = await starting;
    console.log(`[loud] close() while connecting: close() resolved after ${ms.toFixed(0)} ms`);
    expect(error).toBeInstanceOf(ClosedError);
    expect(ms).toBeLessThan(5000);
    expect(stuck.health().status).toBe('closed');
  });

  it('a publish() made before start() that times out says the bus was never started', async () => {
    const idle = bus(AMQP_URL, { publishTimeoutMs: 300 });
    const error = await idle.publish('too.early', { n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect((error as Error).message).toContain('never started');
    expect((error as Error).message).toContain('bus.start()');
  });

  it('a publish() made before start() goes out on start()', async () => {
    const early = bus(AMQP_URL, { publishTimeoutMs: 10_000 });
    const publishing = early.publish('early', { n: 1 });
    await early.start();
    await expect(publishing).resolves.toBeUndefined();
  });
});
