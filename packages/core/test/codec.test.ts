import { describe, expect, it } from 'vitest';
import { jsonCodec, DecodeError } from '../src/index.js';
import { SuperjsonCodec } from '../src/wire/codecs.js';

class Money {
  constructor(
    readonly amount: number,
    readonly currency: string,
  ) {}
  format(): string {
    return `${this.amount} ${this.currency}`;
  }
}

describe('superjson codec', () => {
  it('round-trips Date, Map, Set, BigInt, RegExp, undefined and nested objects', () => {
    const codec = new SuperjsonCodec();
    const value = {
      at: new Date('2026-01-02T03:04:05.678Z'),
      map: new Map<string, unknown>([['a', { deep: new Set([1, 2]) }]]),
      set: new Set(['x', 'y']),
      big: 2n ** 70n,
      re: /ab+c/gi,
      missing: undefined,
      nested: { list: [1, { when: new Date(0) }] },
    };
    const decoded = codec.decode(codec.encode(value));
    expect(decoded).toEqual(value);
    expect(Object.hasOwn(decoded as object, 'missing')).toBe(true);
  });

  it('rebuilds a registered class only on the codec it was registered with', () => {
    const registered = new SuperjsonCodec();
    registered.registerClass(Money, 'Money');
    const decoded = registered.decode(registered.encode(new Money(5, 'EUR')));
    expect(decoded).toBeInstanceOf(Money);
    expect((decoded as Money).format()).toBe('5 EUR');
    const other = new SuperjsonCodec();
    expect(other.decode(other.encode(new Money(5, 'EUR')))).not.toBeInstanceOf(Money);
  });

  it.each([
    ['invalid-json', 'not json {'],
    ['wrong-shape', '42'],
    ['wrong-shape', 'null'],
    ['wrong-shape', '{}'],
    ['wrong-shape', '[1,2]'],
    ['wrong-shape', '{"json":1,"meta":5}'],
  ])('rejects a body as %s: %s', (reason, body) => {
    const codec = new SuperjsonCodec();
    let caught: unknown;
    try {
      codec.decode(Buffer.from(body));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    expect((caught as DecodeError).reason).toBe(reason);
  });

  it('keeps __proto__ and constructor keys as data and leaves Object.prototype alone', () => {
    const codec = new SuperjsonCodec();
    const body = '{"json":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"at":"2026-01-01T00:00:00.000Z"},"meta":{"values":{"at":["Date"]}}}';
    const decoded = codec.decode(Buffer.from(body)) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ polluted: true });
    expect(decoded.constructor).toEqual({ prototype: { polluted: true } });
    expect(decoded.at).toBeInstanceOf(Date);
  });

  it('refuses superjson meta that points into a prototype', () => {
    const codec = new SuperjsonCodec();
    const body = '{"json":{"a":{}},"meta":{"values":{"__proto__.polluted":["Date"]}}}';
    expect(() => codec.decode(Buffer.from(body))).toThrow(DecodeError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('json codec', () => {
  it('round-trips any JSON value and sends undefined as null', () => {
    for (const value of [42, 'text', null, [1, 'a'], { a: { b: [true] } }]) {
      expect(jsonCodec.decode(jsonCodec.encode(value))).toEqual(value);
    }
    expect(jsonCodec.decode(jsonCodec.encode(undefined))).toBeNull();
  });

  it('keeps __proto__ as data', () => {
    const decoded = jsonCodec.decode(Buffer.from('{"__proto__":{"polluted":true}}')) as object;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(decoded)).toEqual(['__proto__']);
  });
});

describe('superjson codec fast path', () => {
  it('writes exactly the bytes superjson would for plain JSON data', async () => {
    const { SuperJSON } = await import('superjson');
    const reference = new SuperJSON();
    const codec = new SuperjsonCodec();
    const samples: unknown[] = [
      { id: 'u1', n: 1.5, ok: true, nothing: null, list: [1, 'two', { three: [] }] },
      'text',
      42,
      null,
      [],
      { nested: { deeper: { deepest: ['x'] } } },
    ];
    for (const sample of samples) {
      expect(codec.encode(sample).toString()).toBe(JSON.stringify(reference.serialize(sample as never)));
      expect(codec.decode(codec.encode(sample))).toEqual(sample);
    }
  });

  it('leaves what JSON would change to superjson: undefined, -0, NaN, classes, dates', () => {
    const codec = new SuperjsonCodec();
    const samples: unknown[] = [{ a: undefined }, -0, Number.NaN, [1, undefined, 3], new Date(0), { at: new Map() }, Object.create(null)];
    for (const sample of samples) {
      expect(codec.decode(codec.encode(sample))).toEqual(sample);
    }
    expect(Object.is(codec.decode(codec.encode(-0)), -0)).toBe(true);
  });
});
