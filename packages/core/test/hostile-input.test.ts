import { afterEach, describe, expect, it, vi } from 'vitest';
import { redact } from '../src/amqp/amqp-options.js';
import { Outbox, type PublishChannel } from '../src/amqp/outbox.js';
import { nestsDeeperThan } from '../src/amqp/safe-headers.js';
import {
  amqp,
  BufferFullError,
  ClosedError,
  ConfigError,
  createBus,
  DecodeError,
  type Logger,
  memory,
  memoryBroker,
  RemitError,
  SuperjsonCodec,
} from '../src/index.js';
import type { PublishRequest } from '../src/transport.js';
import { typedArrayBytes } from '../src/wire/superjson-bounds.js';
import { memoryBuses, until } from './memory-buses.js';

const bus = memoryBuses<Record<string, unknown>>({ retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 2 } });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('payloads JSON cannot carry are refused where they are published', () => {
  it.each(['superjson', 'json'] as const)('refuses a top-level function or Symbol with the %s codec, sending nothing', async (codec) => {
    const broker = memoryBroker();
    const sender = bus(broker, { codec });
    const heard: unknown[] = [];
    sender.on('thing', (payload) => void heard.push(payload));
    await sender.start();
    for (const payload of [() => 1, Symbol('s')]) {
      const error = await sender.publish('thing', payload).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ field: 'payload' });
    }
    expect(heard).toEqual([]);
    expect(sender.stats().published).toBe(0);
  });

  it('treats "constructor", "prototype" and "__proto__" keys alike in every superjson payload: refused when sent', async () => {
    const broker = memoryBroker();
    const sender = bus(broker);
    await sender.start();
    const payloads = [{ constructor: 'x' }, { constructor: new Date(0) }, { nested: { prototype: 1 } }, JSON.parse('{"__proto__": {"a": 1}}')];
    for (const payload of payloads) {
      const error = await sender.publish('keys', payload).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemitError);
      expect(String((error as Error).message)).toContain('prototype pollution');
    }
  });

  it('sends those keys as plain data with the json codec', async () => {
    const broker = memoryBroker();
    const sender = bus(broker, { service: 'a', codec: 'json' });
    const receiver = bus(broker, { service: 'b' });
    const heard: unknown[] = [];
    receiver.on('keys', (payload) => void heard.push(payload));
    await Promise.all([sender.start(), receiver.start()]);
    await sender.publish('keys', { constructor: 'x', prototype: 2 });
    await until(() => heard.length === 1, 'the event');
    expect(heard[0]).toEqual({ constructor: 'x', prototype: 2 });
    expect(Object.getPrototypeOf(heard[0])).toBe(Object.prototype);
  });

  it('refuses a NaN or Infinity header value, which AMQP cannot carry', async () => {
    const sender = bus(memoryBroker());
    await sender.start();
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(sender.publish('x', 1, { headers: { n: value } })).rejects.toMatchObject({ name: 'ConfigError', field: 'headers.n' });
    }
  });
});

describe('decoded size is bounded like received size', () => {
  const body = (json: string, meta: string) => Buffer.from(`{"json":${json},"meta":${meta}}`);

  it('refuses a typed array built from anything but an array (81 bytes would ask for 4 GB)', () => {
    const codec = new SuperjsonCodec({ maxDecodedBytes: 1024 });
    const decode = () => codec.decode(body('{"length":500000000}', '{"values":[["typed-array","Float64Array"]],"v":1}'));
    expect(decode).toThrow(DecodeError);
    expect(decode).toThrow(/not built from an array/);
  });

  it('refuses typed arrays that together decode to more than maxDecodedBytes, wherever they sit', () => {
    const codec = new SuperjsonCodec({ maxDecodedBytes: 100 });
    const tooLarge = body('{"a":{"b.c":[1,2,3,4,5,6,7,8,9,10,11,12,13]}}', '{"values":{"a.b\\\\.c":[["typed-array","Float64Array"]]},"v":1}');
    expect(() => codec.decode(tooLarge)).toThrow(expect.objectContaining({ reason: 'oversized' }));
    const fits = body('{"a":[1,2,3]}', '{"values":{"a":[["typed-array","Uint8Array"]]},"v":1}');
    expect(codec.decode(fits)).toEqual({ a: new Uint8Array([1, 2, 3]) });
  });

  it('counts typed arrays inside maps and sets, and at the root', () => {
    const meta = (values: unknown) => ({ values, v: 1 });
    expect(typedArrayBytes([1, 2], meta([['typed-array', 'Int16Array']]))).toBe(4);
    // A Map serializes as [[key, value], …]: the value of the first entry is at 0.1.
    const map = [['k', [1, 2, 3]]];
    expect(typedArrayBytes({ m: map }, meta({ m: [['map'], { '0.1': [['typed-array', 'Uint32Array']] }] }))).toBe(12);
    expect(typedArrayBytes({ s: [[1], [2, 3]] }, meta({ s: [['set'], { '0': [['typed-array', 'Uint8Array']], '1': [['typed-array', 'Uint8Array']] }] }))).toBe(3);
  });

  it('rebuilds the typed arrays of a rich payload sent by a bus', async () => {
    const broker = memoryBroker();
    const sender = bus(broker, { service: 'a' });
    const receiver = bus(broker, { service: 'b', maxPayloadBytes: 64 * 1024 });
    const heard: unknown[] = [];
    receiver.on('samples', (payload) => void heard.push(payload));
    await Promise.all([sender.start(), receiver.start()]);
    await sender.publish('samples', { values: new Float64Array([1.5, 2.5]), at: new Date(0) });
    await until(() => heard.length === 1, 'the event');
    expect(heard[0]).toEqual({ values: new Float64Array([1.5, 2.5]), at: new Date(0) });
  });
});

describe('header tables are checked without recursion', () => {
  /** `{ a: { a: { … } } }` as AMQP table bytes: `depth` entries of key "a", type 'F', length of the rest. */
  function nested(depth: number): Buffer {
    const body = Buffer.alloc(7 * depth);
    for (let level = 0; level < depth; level++) {
      body.set([1, 0x61, 0x46], 7 * level);
      body.writeUInt32BE(7 * (depth - level - 1), 7 * level + 3);
    }
    return body;
  }

  it('tells a table nested past the limit from one within it, at any depth', () => {
    // The header table itself is level 1: 31 tables nested in it make 32 levels.
    expect(nestsDeeperThan(nested(31), 0, nested(31).length, 32)).toBe(false);
    expect(nestsDeeperThan(nested(32), 0, nested(32).length, 32)).toBe(true);
    const deep = nested(100_000);
    expect(nestsDeeperThan(deep, 0, deep.length, 32)).toBe(true);
  });

  it('answers false for malformed bytes, leaving them to amqplib, whose failure is caught', () => {
    const malformed = Buffer.from([1, 0x61, 0x46, 0xff, 0xff, 0xff, 0xff]);
    expect(nestsDeeperThan(malformed, 0, malformed.length, 32)).toBe(false);
  });
});

describe('a closed bus refuses new handlers', () => {
  it('throws ClosedError from on(), once(), onAny() and handle() after close()', async () => {
    const closed = bus(memoryBroker());
    await closed.start();
    await closed.close();
    expect(() => closed.on('x', () => {})).toThrow(ClosedError);
    expect(() => closed.once('x', () => {})).toThrow(ClosedError);
    expect(() => closed.onAny(() => {})).toThrow(ClosedError);
    expect(() => closed.handle('x', () => 1)).toThrow(ClosedError);
  });
});

describe('failures are logged when nobody listens for them', () => {
  it('logs a handler that failed its last try to console.error, and its retries to console.warn, without onError', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const broker = memoryBroker();
    const failing = createBus({ service: 'billing', instanceId: 'billing-1', transport: memory(broker), retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 2 } });
    failing.on('invoice.due', function sendInvoice() {
      throw new Error('SMTP is down');
    });
    await failing.start();
    await failing.publish('invoice.due', { id: 1 });
    await until(() => failing.stats().deadLettered === 1, 'the dead letter');
    await failing.close();
    expect(warnings.mock.calls.map(([line]) => line)).toContainEqual(
      'remit billing/billing-1: handler sendInvoice failed for "invoice.due" (attempt 1), retrying: SMTP is down',
    );
    const lines = errors.mock.calls.map(([line]) => String(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^remit billing\/billing-1: handler failure \(event "invoice\.due", id .+, handler sendInvoice, 2 attempts\): SMTP is down$/);
  });

  it('logs to the logger given, and nowhere with logger: false or with onError', async () => {
    const lines: string[] = [];
    const logger: Logger = { error: (l) => void lines.push(l), warn: (l) => void lines.push(l), info: (l) => void lines.push(l) };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const broker = memoryBroker();
    const make = (options: object) => {
      const created = bus(broker, { service: 'quiet', retry: { attempts: 1 }, ...options });
      created.on('boom', () => {
        throw new Error('boom');
      });
      return created;
    };
    const logged = make({ logger });
    const silent = make({ logger: false });
    const heard: string[] = [];
    const listened = make({ onError: () => void heard.push('onError') });
    const sender = bus(broker, { service: 'sender' });
    await Promise.all([logged.start(), silent.start(), listened.start(), sender.start()]);
    await sender.publish('boom', 1);
    await until(() => [logged, silent, listened].every((b) => b.stats().deadLettered >= 1) && heard.length >= 1, 'the dead letters');
    expect(lines.filter((line) => line.includes('handler failure'))).toHaveLength(1);
    expect(errors).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
  });

  it('rejects a logger without error, warn and info', () => {
    expect(() => createBus({ service: 's', transport: memory(), logger: {} as Logger })).toThrow(expect.objectContaining({ field: 'logger' }));
  });
});

describe('options and errors say what they mean', () => {
  it('refuses tls options with a plaintext amqp:// URL, which would silently ignore them', () => {
    expect(() => amqp({ url: 'amqp://guest:guest@localhost', tls: { ca: 'x' } })).toThrow(
      expect.objectContaining({ name: 'ConfigError', field: 'transport.tls' }),
    );
    expect(() => amqp({ url: ['amqps://a', 'amqp://b'], tls: { ca: 'x' } })).toThrow(/amqp:\/\/b/);
    expect(() => amqp({ url: 'amqps://guest:guest@localhost', tls: { ca: 'x' } })).not.toThrow();
  });

  it('masks a URL one way in every message, even when the user name equals the password', () => {
    const text = 'Could not connect to amqp://guest:guest@host:5672/ (login guest refused) or amqp://app:s3cret@other/';
    expect(redact(text, ['guest', 's3cret'])).toBe('Could not connect to amqp://guest:***@host:5672/ (login *** refused) or amqp://app:***@other/');
  });

  it('BufferFullError names the bound that was hit: events or bytes', async () => {
    const byBytes = new Outbox({ maxMessages: 100, maxBytes: 25 });
    void byBytes.enqueue(request('a', 20)).catch(() => {});
    const error = await byBytes.enqueue(request('b', 10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BufferFullError);
    expect(error).toMatchObject({ bound: 'bytes', limit: 25 });
    expect((error as Error).message).toContain('outbox.maxBytes');
    expect((error as Error).message).not.toContain('unsent events (outbox.maxMessages)');
    byBytes.close();
  });

  it('rejects a message the channel can never encode at once, and sends the next one', async () => {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 1000 });
    const confirms: Array<(error: Error | null, permanent?: boolean) => void> = [];
    const channel: PublishChannel = {
      write(_request, onConfirm) {
        confirms.push(onConfirm);
        return true;
      },
      onDrain() {},
    };
    outbox.attach(channel);
    const first = outbox.enqueue(request('unencodable'));
    const second = outbox.enqueue(request('fine'));
    confirms[0]?.(new RemitError('cannot be encoded'), true);
    confirms[1]?.(null);
    await expect(first).rejects.toThrow('cannot be encoded');
    await expect(second).resolves.toBeUndefined();
    expect(confirms).toHaveLength(2);
  });
});

function request(name: string, bytes = 10): PublishRequest {
  return { target: 'events', timeoutMs: 5000, message: { routingKey: name, body: Buffer.alloc(bytes), properties: { type: name, headers: {} } } };
}
