import { toAsyncAPI } from '@remit/core';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { listed, parseAsyncAPI } from './parse-asyncapi.js';

interface Category {
  name: string;
  children: Category[];
}
const category: z.ZodType<Category> = z.object({
  name: z.string(),
  get children() {
    return z.array(category);
  },
});

// One of each kind the document must carry: a plain object, special values (Date, bigint, Set),
// a recursive schema (internal $refs), a scalar payload, a validator without JSON Schema export,
// and names that are not valid component keys.
const schemas = {
  'user.created': z.object({ id: z.string(), email: z.email() }).describe('A user signed up.'),
  'order.placed': z.object({ orderId: z.uuid(), total: z.number().positive(), at: z.date(), cents: z.bigint(), tags: z.set(z.string()) }),
  'category.saved': category,
  'counter.ticked': z.number().int(),
  'legacy/imported': v.object({ id: v.string() }),
  'audit entry': z.object({ who: z.string() }).optional(),
};
const events = Object.keys(schemas);

describe('toAsyncAPI() documents, read by @asyncapi/parser', () => {
  it.each(['superjson', 'json'] as const)('with the %s codec: valid, and listing every event as channel, message and operations', async (codec) => {
    const document = toAsyncAPI({ service: 'shop', schemas }, {
      version: '1.0.0',
      servers: { production: 'amqps://shop:hunter22@rabbit.example.com:5671/shop' },
    }, { codec });

    const parsed = await parseAsyncAPI(document);

    expect(parsed.errors).toEqual([]);
    if (!parsed.document) throw new Error('the parser returned no document');
    const model = listed(parsed.document);
    expect(model.addresses).toEqual(events);
    expect(model.messages).toEqual(events);
    for (const event of events) {
      expect(model.operations).toContainEqual({ action: 'send', address: event, messages: [event] });
      expect(model.operations).toContainEqual({ action: 'receive', address: event, messages: [event] });
    }
    expect(model.operations).toHaveLength(events.length * 2);
    expect(JSON.stringify(document)).not.toContain('hunter22');
  });

  it('resolves each payload to its exported JSON Schema, Dates as date-time, as the body and inside the superjson body', async () => {
    const parsed = await parseAsyncAPI(toAsyncAPI(schemas, { title: 'shop', version: '1.0.0' }));
    if (!parsed.document) throw new Error(`not parsed: ${JSON.stringify(parsed.errors)}`);

    const message = parsed.document.messages().all().find((candidate) => candidate.name() === 'order.placed');
    const body = message?.payload()?.json();
    // Wire format 2: the payload itself (a plain JSON payload, no remit-codec), or the superjson body.
    const order = {
      type: 'object',
      properties: { orderId: { type: 'string', format: 'uuid' }, at: { type: 'string', format: 'date-time' }, cents: { type: 'string' } },
    };
    expect(body).toMatchObject({ oneOf: [order, { type: 'object', required: ['json'], properties: { json: order } }] });
    const headers = message?.headers()?.json();
    expect(headers).toMatchObject({ properties: { 'remit-codec': { const: 'superjson' }, 'remit-version': { enum: [1, 2] } } });
  });

  it('the recursive schema resolves through the document, not to a dangling reference', async () => {
    const parsed = await parseAsyncAPI(toAsyncAPI({ 'category.saved': category }, { title: 'shop', version: '1.0.0' }, { codec: 'json' }));
    if (!parsed.document) throw new Error(`not parsed: ${JSON.stringify(parsed.errors)}`);

    const payload = parsed.document.messages().all()[0]?.payload();
    const items = payload?.properties()?.children?.items();
    const item = Array.isArray(items) ? items[0] : items;
    expect(item?.properties()?.name?.type()).toBe('string');
    expect(item?.properties()?.children?.type()).toBe('array');
  });
});
