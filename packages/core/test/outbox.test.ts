import { describe, expect, it } from 'vitest';
import { Outbox, type PublishChannel } from '../src/amqp/outbox.js';
import { BufferFullError, ClosedError, PublishTimeoutError } from '../src/index.js';
import type { PublishRequest } from '../src/transport.js';

function request(name: string, bytes = 10, timeoutMs = 5000): PublishRequest {
  return {
    target: 'events',
    timeoutMs,
    message: { routingKey: name, body: Buffer.alloc(bytes), properties: { type: name, headers: {} } },
  };
}

/** A stand-in for a confirm channel: records writes, confirms on demand. */
function fakeChannel(options: { writable?: boolean } = {}) {
  const writes: { name: string; confirm: (error: Error | null) => void }[] = [];
  let drain: (() => void) | null = null;
  const channel: PublishChannel = {
    write(req, onConfirm) {
      writes.push({ name: req.message.routingKey, confirm: onConfirm });
      return options.writable ?? true;
    },
    onDrain(resume) {
      drain = resume;
    },
  };
  return { channel, writes, drain: () => drain?.() };
}

describe('Outbox', () => {
  it('holds publishes while detached and sends them in order once a channel attaches', async () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    const results = ['a', 'b', 'c'].map((name) => outbox.enqueue(request(name)));
    expect(outbox.size).toBe(3);
    const fake = fakeChannel();
    outbox.attach(fake.channel);
    expect(fake.writes.map((w) => w.name)).toEqual(['a', 'b', 'c']);
    for (const write of fake.writes) write.confirm(null);
    await Promise.all(results);
    expect(outbox.size).toBe(0);
  });

  it('resends unconfirmed publishes in their original order after the channel is lost', async () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    const first = fakeChannel();
    outbox.attach(first.channel);
    const results = ['a', 'b', 'c'].map((name) => outbox.enqueue(request(name)));
    first.writes[0]?.confirm(null);
    outbox.detach();
    const late = outbox.enqueue(request('d'));
    // The dead channel reports its outstanding confirms as failed; that must not settle anything.
    for (const write of first.writes.slice(1)) write.confirm(new Error('channel closed'));
    const second = fakeChannel();
    outbox.attach(second.channel);
    expect(second.writes.map((w) => w.name)).toEqual(['b', 'c', 'd']);
    for (const write of second.writes) write.confirm(null);
    await Promise.all([...results, late]);
  });

  it('retries a nacked publish instead of reporting success', async () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    const fake = fakeChannel();
    outbox.attach(fake.channel);
    let settled = false;
    const result = outbox.enqueue(request('a')).then(() => (settled = true));
    fake.writes[0]?.confirm(new Error('nack'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    expect(fake.writes.map((w) => w.name)).toEqual(['a', 'a']);
    fake.writes[1]?.confirm(null);
    await result;
    expect(settled).toBe(true);
  });

  it('rejects with BufferFullError past maxMessages or maxBytes', async () => {
    const byCount = new Outbox({ maxMessages: 2, maxBytes: 1000 });
    void byCount.enqueue(request('a')).catch(() => {});
    void byCount.enqueue(request('b')).catch(() => {});
    await expect(byCount.enqueue(request('c'))).rejects.toBeInstanceOf(BufferFullError);
    const byBytes = new Outbox({ maxMessages: 100, maxBytes: 25 });
    void byBytes.enqueue(request('a', 20)).catch(() => {});
    await expect(byBytes.enqueue(request('b', 10))).rejects.toMatchObject({ name: 'BufferFullError' });
    byCount.close();
    byBytes.close();
  });

  it('rejects with PublishTimeoutError when no confirm arrives in time, and ignores a late confirm', async () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    const fake = fakeChannel();
    outbox.attach(fake.channel);
    await expect(outbox.enqueue(request('slow', 10, 20))).rejects.toBeInstanceOf(PublishTimeoutError);
    fake.writes[0]?.confirm(null);
    expect(outbox.size).toBe(0);
  });

  it('times out each publish at its own deadline, a short one behind long ones included', async () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    outbox.attach(fakeChannel().channel);
    const settled: string[] = [];
    const watch = (name: string, timeoutMs: number) =>
      outbox.enqueue(request(name, 10, timeoutMs)).then(
        () => settled.push(`${name} confirmed`),
        (error: unknown) => settled.push(`${name} ${(error as Error).name}`),
      );
    const long = watch('long', 600);
    const short = watch('short', 20);
    const middle = watch('middle', 300);
    await short;
    // The short one expired alone: the others still wait for their confirms.
    expect(settled).toEqual(['short PublishTimeoutError']);
    expect(outbox.size).toBe(2);
    await Promise.all([long, middle]);
    expect(settled).toEqual(['short PublishTimeoutError', 'middle PublishTimeoutError', 'long PublishTimeoutError']);
    expect(outbox.size).toBe(0);
  });

  it('waits for drain when the channel says its buffer is full', async () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    const fake = fakeChannel({ writable: false });
    outbox.attach(fake.channel);
    const results = ['a', 'b'].map((name) => outbox.enqueue(request(name)));
    expect(fake.writes.map((w) => w.name)).toEqual(['a']);
    fake.drain();
    expect(fake.writes.map((w) => w.name)).toEqual(['a', 'b']);
    for (const write of fake.writes) write.confirm(null);
    await Promise.all(results);
  });

  it('holds writes while the connection is blocked', () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    const fake = fakeChannel();
    outbox.attach(fake.channel);
    outbox.pause();
    void outbox.enqueue(request('a')).catch(() => {});
    expect(fake.writes).toHaveLength(0);
    outbox.resume();
    expect(fake.writes).toHaveLength(1);
    outbox.close();
  });

  it('rejects everything pending with ClosedError on close, and flush() resolves', async () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    const pending = outbox.enqueue(request('a'));
    const flushed = outbox.flush(new AbortController().signal);
    outbox.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
    await flushed;
    await expect(outbox.enqueue(request('b'))).rejects.toBeInstanceOf(ClosedError);
  });

  it('does not spin when every write to a dying channel fails at once', async () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    let writes = 0;
    outbox.attach({
      write(_request, onConfirm) {
        writes++;
        onConfirm(new Error('channel closed'));
        return true;
      },
      onDrain() {},
    });
    const pending = outbox.enqueue(request('a', 10, 300));
    await expect(pending).rejects.toBeInstanceOf(PublishTimeoutError);
    // One try per retry delay (50 ms), not millions in a tight loop.
    expect(writes).toBeLessThan(20);
  });
});
