import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type AsyncAPIDocument, ConfigError, createBus, Header, memory, toAsyncAPI } from '../src/index.js';

const schemas = {
  'user.created': z.object({ id: z.string(), email: z.email() }).describe('A user signed up.'),
  'order.placed': z.object({ orderId: z.string(), total: z.number(), at: z.date(), big: z.bigint().optional() }),
};

const info = { title: 'shop', version: '1.2.0' };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

/** The event's payload schema as the message holds it, following the one `$ref` to components. */
function payloadOf(document: AsyncAPIDocument, key: string): Record<string, unknown> {
  const schema = document.components.schemas[key];
  if (!schema) throw new Error(`no components.schemas["${key}"]`);
  return schema;
}

describe('toAsyncAPI()', () => {
  it('describes every event as a channel on the fanout exchange, a message and a send and a receive operation', () => {
    const document = toAsyncAPI(schemas, info);

    expect(document.asyncapi).toBe('3.0.0');
    expect(document.info).toMatchObject({ title: 'shop', version: '1.2.0' });
    expect(Object.keys(document.channels)).toEqual(['user.created', 'order.placed']);
    expect(Object.keys(document.operations)).toEqual([
      'user.created.send',
      'user.created.receive',
      'order.placed.send',
      'order.placed.receive',
    ]);
    const channel = document.channels['user.created'];
    expect(channel?.address).toBe('user.created');
    expect(channel?.bindings.amqp).toEqual({
      is: 'routingKey',
      exchange: { name: 'remit.events', type: 'fanout', durable: true, autoDelete: false },
      bindingVersion: '0.3.0',
    });
    const message = channel?.messages['user.created'];
    expect(message).toMatchObject({
      name: 'user.created',
      contentType: 'application/json',
      summary: 'A user signed up.',
      headers: { $ref: '#/components/schemas/remit-headers' },
      bindings: { amqp: { messageType: 'user.created', bindingVersion: '0.3.0' } },
    });
    expect(document.operations['user.created.send']).toMatchObject({
      action: 'send',
      channel: { $ref: '#/channels/user.created' },
      messages: [{ $ref: '#/channels/user.created/messages/user.created' }],
      bindings: { amqp: { deliveryMode: 2, timestamp: true } },
    });
    expect(document.operations['user.created.receive']).toMatchObject({ action: 'receive', bindings: { amqp: { ack: true } } });
  });

  it('lists the wire format headers, with the codec of the document', () => {
    const headers = toAsyncAPI(schemas, info, { codec: 'json' }).components.schemas['remit-headers'];
    const properties = headers?.properties as Record<string, Record<string, unknown>>;

    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining([Header.version, Header.instance, Header.codec, Header.publishedAtMs, Header.toService, 'traceparent']),
    );
    expect(properties[Header.version]?.enum).toEqual([1, 2]);
    expect(properties[Header.codec]?.const).toBe('json');
  });

  it('with the default superjson codec, the body is the payload, or { json: <payload>, meta? } under remit-codec: superjson', () => {
    const document = toAsyncAPI(schemas, info);
    const payload = document.channels['user.created']?.messages['user.created']?.payload;

    expect(payload).toMatchObject({
      oneOf: [
        { $ref: '#/components/schemas/user.created' },
        { type: 'object', required: ['json'], properties: { json: { $ref: '#/components/schemas/user.created' }, meta: { type: 'object' } } },
      ],
    });
    expect(document.components.schemas['remit-headers']).toMatchObject({ properties: { [Header.codec]: { const: 'superjson' } } });
  });

  it('with the json codec, the body is the payload itself', () => {
    const document = toAsyncAPI(schemas, info, { codec: 'json' });

    expect(document.channels['user.created']?.messages['user.created']?.payload).toEqual({ $ref: '#/components/schemas/user.created' });
  });

  it('exports a zod schema through Standard JSON Schema, Dates as date-time strings and bigints per codec', () => {
    const superjson = toAsyncAPI(schemas, info);
    const json = toAsyncAPI(schemas, info, { codec: 'json' });

    expect(payloadOf(superjson, 'user.created')).toMatchObject({
      type: 'object',
      properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' } },
      required: ['id', 'email'],
    });
    expect(payloadOf(superjson, 'user.created')).not.toHaveProperty('$schema');
    expect(payloadOf(superjson, 'order.placed')).toMatchObject({
      properties: { at: { type: 'string', format: 'date-time' }, big: { type: 'string', pattern: '^-?[0-9]+$' } },
      required: ['orderId', 'total', 'at'],
    });
    // JSON.stringify cannot write a bigint, so under the json codec nothing is promised about it.
    expect((payloadOf(json, 'order.placed').properties as Record<string, unknown>).big).toEqual({});
  });

  it('keeps references inside a recursive zod schema pointing into the document', () => {
    interface Category {
      name: string;
      children: Category[];
    }
    const category: z.ZodType<Category> = z.object({ name: z.string(), get children() { return z.array(category); } });
    const document = toAsyncAPI({ 'category.saved': category }, info);

    const text = JSON.stringify(payloadOf(document, 'category.saved'));
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/^#\/components\/schemas\/category\.saved(\/|$)/);
  });

  it('lists a valibot event with an open payload schema saying why, as valibot 1.5 exports no JSON Schema itself', () => {
    const document = toAsyncAPI({ 'user.created': v.object({ id: v.string() }) }, info);

    expect(document.channels['user.created']?.address).toBe('user.created');
    const payload = payloadOf(document, 'user.created');
    expect(Object.keys(payload)).toEqual(['description']);
    expect(payload.description).toContain('valibot schema of "user.created" cannot export JSON Schema');
    expect(document.channels['user.created']?.messages['user.created']).not.toHaveProperty('summary');
  });

  it('takes JSON Schema from the jsonSchema option for validators that cannot export it', () => {
    const seen: string[] = [];
    const document = toAsyncAPI({ 'user.created': v.object({ id: v.string() }), 'order.placed': schemas['order.placed'] }, info, {
      jsonSchema: (schema, event) => {
        seen.push(event);
        return schema['~standard'].vendor === 'valibot' ? { type: 'object', properties: { id: { type: 'string' } } } : undefined;
      },
    });

    expect(seen).toEqual(['user.created', 'order.placed']);
    expect(payloadOf(document, 'user.created')).toEqual({ type: 'object', properties: { id: { type: 'string' } } });
    expect(payloadOf(document, 'order.placed')).toMatchObject({ type: 'object', required: ['orderId', 'total', 'at'] });
  });

  it('falls back to an open schema saying why when a validator throws while exporting', () => {
    // Standard JSON Schema lets a library throw for a target it cannot produce.
    const picky = {
      '~standard': {
        version: 1,
        vendor: 'picky',
        validate: (value: unknown) => ({ value }),
        jsonSchema: {
          input: () => {
            throw new Error('draft-07 is not supported');
          },
          output: () => ({}),
        },
      },
    } as const;
    const document = toAsyncAPI({ 'file.uploaded': picky }, info);

    const payload = payloadOf(document, 'file.uploaded');
    expect(Object.keys(payload)).toEqual(['description']);
    expect(payload.description).toContain('picky schema of "file.uploaded" could not be exported as JSON Schema (draft-07 is not supported)');
  });

  it('describes a bus: its schemas, and its service as the default title', async () => {
    await using bus = createBus({ service: 'billing', transport: memory(), schemas });
    const document = toAsyncAPI(bus, { version: '2.0.0' });

    expect(document.info.title).toBe('billing');
    expect(document.info.description).toContain('billing');
    expect(Object.keys(document.channels)).toEqual(['user.created', 'order.placed']);
    expect(document.operations['user.created.send']?.description).toContain('billing');
  });

  it('reads an event called "schemas" in a bare record as an event, not as a bus', () => {
    const document = toAsyncAPI({ schemas: z.string(), other: z.number() }, info);

    expect(Object.keys(document.channels)).toEqual(['schemas', 'other']);
  });

  it('gives every event its own key, even when names only differ in characters keys cannot hold', () => {
    const document = toAsyncAPI({ 'a/b': z.string(), 'a b': z.string(), 'remit-headers': z.string() }, info);

    expect(Object.values(document.channels).map((channel) => channel.address)).toEqual(['a/b', 'a b', 'remit-headers']);
    expect(Object.keys(document.channels)).toEqual(['a_b', 'a_b_2', 'remit-headers_2']);
    expect(document.components.schemas['remit-headers']?.properties).toHaveProperty(Header.version);
  });

  it('keeps an event called __proto__ as an entry of its own', () => {
    const events = Object.defineProperty({}, '__proto__', { value: z.string(), enumerable: true });
    const document = toAsyncAPI(events, info);

    expect(Object.getPrototypeOf(document.channels)).toBe(Object.prototype);
    expect(Object.keys(document.channels)).toEqual(['__proto___2']);
    expect(JSON.parse(JSON.stringify(document)).channels.__proto___2.address).toBe('__proto__');
  });

  it('names servers by host, port and vhost, never by user or password', () => {
    const document = toAsyncAPI(schemas, {
      ...info,
      servers: { production: 'amqps://admin:s3cr3t-pw@rabbit.example.com:5671/shop', local: 'amqp://127.0.0.1' },
    });

    expect(document.servers).toEqual({
      production: { host: 'rabbit.example.com:5671', protocol: 'amqps', protocolVersion: '0.9.1', pathname: '/shop' },
      local: { host: '127.0.0.1', protocol: 'amqp', protocolVersion: '0.9.1' },
    });
    const text = JSON.stringify(document);
    expect(text).not.toContain('s3cr3t-pw');
    expect(text).not.toContain('admin');
  });

  it('is plain JSON: serializing and parsing it gives the same document', () => {
    const document = toAsyncAPI(schemas, info, { exchange: 'shop.events' });

    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
    expect(document.channels['order.placed']?.bindings.amqp.exchange.name).toBe('shop.events');
  });

  it.each([
    ['source', () => toAsyncAPI(null as never, info)],
    ['schemas', () => toAsyncAPI({}, info)],
    ['schemas.user.created', () => toAsyncAPI({ 'user.created': { parse: () => 1 } } as never, info)],
    ['source.schemas', () => toAsyncAPI({ service: 'x', schemas: [] as never }, info)],
    ['source.service', () => toAsyncAPI({ service: 42 as never, schemas }, info)],
    ['info', () => toAsyncAPI(schemas, undefined as never)],
    ['info.title', () => toAsyncAPI(schemas, { version: '1.0.0' })],
    ['info.version', () => toAsyncAPI(schemas, { title: 'shop', version: '' })],
    ['info.description', () => toAsyncAPI(schemas, { ...info, description: 3 as never })],
    ['info.servers', () => toAsyncAPI(schemas, { ...info, servers: 'amqp://h' as never })],
    ['info.servers.prod', () => toAsyncAPI(schemas, { ...info, servers: { prod: 'http://h' } })],
    ['info.servers.prod', () => toAsyncAPI(schemas, { ...info, servers: { prod: 'not a url' } })],
    ['info.servers.a b', () => toAsyncAPI(schemas, { ...info, servers: { 'a b': 'amqp://h' } })],
    ['codec', () => toAsyncAPI(schemas, info, { codec: 'msgpack' as never })],
    ['exchange', () => toAsyncAPI(schemas, info, { exchange: ' ' })],
    ['jsonSchema', () => toAsyncAPI(schemas, info, { jsonSchema: {} as never })],
    ['jsonSchema', () => toAsyncAPI(schemas, info, { jsonSchema: () => [] as never })],
  ])('rejects a bad %s with a ConfigError naming it', (field, run) => {
    expect(configError(run).field).toBe(field);
  });

  it('never echoes a server password in its error', () => {
    const error = configError(() => toAsyncAPI(schemas, { ...info, servers: { prod: 'http://user:s3cr3t-pw@host' } }));

    expect(error.message).not.toContain('s3cr3t-pw');
  });
});
