import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Bus, type BusOptions, ConfigError, createBus, type EventMeta, type EventSchemas, type FailureReport, Header, memory, memoryBroker, type MemoryBroker, ValidationError } from '../src/index.js';
import { MAX_ISSUES_HEADER } from '../src/schemas/schema-issues.js';
import { until } from './memory-buses.js';

const zodSchemas = {
  'user.created': z.object({ id: z.string(), email: z.email(), age: z.number().int().min(0) }),
};

const valibotSchemas = {
  'user.created': v.object({ id: v.string(), email: v.pipe(v.string(), v.email()), tags: v.array(v.string()) }),
};

interface Closable {
  start(): Promise<void>;
  close(): Promise<void>;
}

const open: Closable[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((bus) => bus.close()));
});

/** Starts a bus, which is closed after the test. */
async function started<B extends Closable>(bus: B): Promise<B> {
  open.push(bus);
  await bus.start();
  return bus;
}

const fast: Partial<BusOptions> = { retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 } };

/** Options of a bus on `broker`; `extra` keeps its own type, so schemas given there type the bus. */
function onBroker<X extends Partial<BusOptions>>(broker: MemoryBroker, service: string, extra?: X) {
  return { service, transport: memory(broker), logger: false, ...fast, ...extra } as BusOptions & X;
}

async function rejection(work: Promise<unknown>): Promise<ValidationError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

/** Lets any delivery still in flight on the memory broker arrive. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('publish() with schemas', () => {
  it('rejects a payload that fails its zod schema with ValidationError listing each issue and its path; nothing is sent or handled', async () => {
    const broker = memoryBroker();
    const publisher = await started(createBus(onBroker(broker, 'api', { schemas: zodSchemas })));
    const consumer = await started(createBus(onBroker(broker, 'mailer')));
    const remote: unknown[] = [];
    const local: unknown[] = [];
    consumer.on('user.created', (payload) => void remote.push(payload));
    publisher.on('user.created', (payload) => void local.push(payload));

    const error = await rejection(publisher.publish('user.created', { id: 'u1', email: 'not-an-email', age: -1 }));

    expect(error.code).toBe('ERR_VALIDATION');
    expect(error.name).toBe('ValidationError');
    expect(error.eventName).toBe('user.created');
    expect(error.issues.map((issue) => issue.path)).toEqual([['email'], ['age']]);
    expect(error.message).toContain('Payload of "user.created" failed its schema');
    expect(error.message).toContain('email: Invalid email address');
    expect(error.message).toMatch(/age: .*>=0/);
    expect(error.message).toContain('Nothing was sent');
    await publisher.publish('user.created', { id: 'u2', email: 'u2@example.com', age: 30 });
    await until(() => remote.length === 1 && local.length === 1, 'the valid event');
    await settle();
    expect(remote).toEqual([{ id: 'u2', email: 'u2@example.com', age: 30 }]);
    expect(local).toEqual([{ id: 'u2', email: 'u2@example.com', age: 30 }]);
    expect(publisher.stats()).toMatchObject({ published: 1, confirmed: 1 });
    expect(broker.deadLetters()).toEqual([]);
  });

  it('rejects a payload that fails its valibot schema, with paths through arrays', async () => {
    const broker = memoryBroker();
    const publisher = await started(createBus(onBroker(broker, 'api', { schemas: valibotSchemas })));
    const consumer = await started(createBus(onBroker(broker, 'mailer')));
    const remote: unknown[] = [];
    consumer.on('user.created', (payload) => void remote.push(payload));

    // @ts-expect-error tags must hold strings: the inferred map catches it at compile time too
    const error = await rejection(publisher.publish('user.created', { id: 'u1', email: 'x', tags: ['a', 2] }));

    expect(error.message).toContain('email: Invalid email');
    expect(error.message).toContain('tags[1]: Invalid type: Expected string but received 2');
    expect(error.issues).toHaveLength(2);
    await settle();
    expect(remote).toEqual([]);
    expect(publisher.stats().published).toBe(0);
  });

  it('hands handlers the schema output (defaults, transforms) while the wire carries the payload as given', async () => {
    const broker = memoryBroker();
    const schemas = {
      'user.created': z.object({
        email: z.string().trim().toLowerCase(),
        plan: z.enum(['free', 'pro']).default('free'),
        signedUpAt: z.iso.datetime().transform((text) => new Date(text)),
      }),
    };
    const publisher = await started(createBus(onBroker(broker, 'api', { schemas })));
    const consumer = await started(createBus(onBroker(broker, 'mailer', { schemas })));
    const plain = await started(createBus(onBroker(broker, 'audit')));
    const local: unknown[] = [];
    const remote: unknown[] = [];
    const raw: unknown[] = [];
    publisher.on('user.created', (user) => void local.push(user));
    consumer.on('user.created', (user) => {
      // The handler's type is the schema's output: a Date, and a plan that is always there.
      const at: Date = user.signedUpAt;
      const plan: 'free' | 'pro' = user.plan;
      remote.push({ ...user, at, plan });
    });
    plain.on('user.created', (payload) => void raw.push(payload));

    // What publish accepts is the schema's input: no plan (it has a default), the date as text.
    await publisher.publish('user.created', { email: '  Ada@Example.COM ', signedUpAt: '2026-01-02T03:04:05Z' });

    await until(() => local.length === 1 && remote.length === 1 && raw.length === 1, 'every handler');
    const output = { email: 'ada@example.com', plan: 'free', signedUpAt: new Date('2026-01-02T03:04:05Z') };
    expect(local).toEqual([output]);
    expect(remote).toEqual([{ ...output, at: output.signedUpAt, plan: 'free' }]);
    expect(raw).toEqual([{ email: '  Ada@Example.COM ', signedUpAt: '2026-01-02T03:04:05Z' }]);
    expect(broker.deadLetters()).toEqual([]);
  });

  it('waits for an async schema, rejecting or sending by its verdict', async () => {
    const broker = memoryBroker();
    const taken = new Set(['taken']);
    const schemas = {
      'user.created': z.object({
        id: z.string().refine(async (id) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return !taken.has(id);
        }, 'id is already taken'),
      }),
    };
    const publisher = await started(createBus(onBroker(broker, 'api', { schemas })));
    const consumer = await started(createBus(onBroker(broker, 'mailer', { schemas })));
    const heard: string[] = [];
    consumer.on('user.created', (user) => void heard.push(user.id));

    const error = await rejection(publisher.publish('user.created', { id: 'taken' }));
    await publisher.publish('user.created', { id: 'free' });

    expect(error.message).toContain('id: id is already taken');
    await until(() => heard.length === 1, 'the valid event');
    await settle();
    expect(heard).toEqual(['free']);
    expect(publisher.stats().published).toBe(1);
  });

  it('keeps publish order with a synchronous schema, between events with and without one', async () => {
    const broker = memoryBroker();
    const schemas = { first: z.object({ n: z.number() }), third: v.object({ n: v.number() }) };
    const publisher = await started(createBus(onBroker(broker, 'api', { schemas })));
    const consumer = await started(createBus(onBroker(broker, 'worker')));
    const order: string[] = [];
    consumer.onAny((name) => void order.push(name));

    // Not awaited one by one: the three go out in the order they were published.
    await Promise.all([
      publisher.publish('first', { n: 1 }),
      // Names without a schema are not checked, and the inferred map does not know them.
      (publisher as unknown as Bus).publish('second', { anything: true }),
      publisher.publish('third', { n: 3 }),
    ]);

    await until(() => order.length === 3, 'three events');
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('turns a schema that throws into a ValidationError instead of an unexplained failure', async () => {
    const broker = memoryBroker();
    const exploding = z.object({ id: z.string() }).refine(() => {
      throw new Error('refinement bug');
    });
    const publisher = await started(createBus(onBroker(broker, 'api', { schemas: { boom: exploding } })));

    const error = await rejection(publisher.publish('boom', { id: '1' }));

    expect(error.message).toContain('the schema threw: refinement bug');
  });
});

describe('received events with schemas', () => {
  it.each([
    ['zod', zodSchemas, { id: 'u1', email: 'u1@example.com', age: 1 }],
    ['valibot', valibotSchemas, { id: 'u1', email: 'u1@example.com', tags: ['a'] }],
  ] as const)(
    'dead-letters a broadcast event failing its %s schema with the issues in headers; handlers never see it and the next event is handled',
    async (_library, schemas: EventSchemas, valid) => {
      const broker = memoryBroker();
      const failures: FailureReport[] = [];
      // The publisher has no schema (or an older, looser one): only the consumer checks.
      const publisher = await started(createBus(onBroker(broker, 'api')));
      const consumer = await started(
        createBus(onBroker<Partial<BusOptions>>(broker, 'mailer', { schemas, onError: (failure) => void failures.push(failure) })),
      );
      const heard: Array<{ payload: unknown; meta: EventMeta }> = [];
      consumer.on('user.created', (payload, meta) => void heard.push({ payload, meta }));

      await publisher.publish('user.created', { id: 7, email: 'nope' });
      await publisher.publish('user.created', valid);

      await until(() => heard.length === 1 && broker.deadLetters().length === 1, 'the valid event and a dead letter');
      expect(heard.map(({ payload }) => payload)).toEqual([valid]);
      const [dead] = broker.deadLetters();
      const headers = dead?.properties.headers ?? {};
      expect(headers[Header.deadReason]).toBe('validation-failed');
      expect(headers[Header.deadEvent]).toBe('user.created');
      expect(headers[Header.deadBy]).toBe(consumer.instanceId);
      expect(String(headers[Header.deadError])).toContain('failed its schema');
      const issues = JSON.parse(String(headers[Header.deadIssues])) as Array<{ path: string; message: string }>;
      expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['id', 'email']));
      expect(issues.every((issue) => issue.message.length > 0)).toBe(true);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ kind: 'validation', event: 'user.created' });
      expect(failures[0]?.error).toBeInstanceOf(ValidationError);
      expect(failures[0]?.error.message).toContain('dead-lettered');
      // Dead-lettered at once: no handler ran, so nothing was retried or counted as failed.
      expect(consumer.stats()).toMatchObject({ deadLettered: 1, retried: 0, failed: 0, handled: 1 });
    },
  );

  it('dead-letters a group event failing its schema once for the group, and hands the next one to the group', async () => {
    const broker = memoryBroker();
    const schemas = { 'task.run': z.object({ n: z.number() }) };
    const publisher = await started(createBus(onBroker(broker, 'api')));
    const handled: number[] = [];
    const workers = await Promise.all(
      [1, 2].map((n) => {
        const worker = createBus(onBroker(broker, 'worker', { instanceId: `worker-${n}`, schemas }));
        worker.on('task.run', (task) => void handled.push(task.n), { group: true });
        return started(worker);
      }),
    );

    await publisher.publish('task.run', { n: 'one' });
    await publisher.publish('task.run', { n: 2 });

    await until(() => handled.length === 1 && broker.deadLetters().length === 1, 'the valid task and a dead letter');
    await settle();
    expect(handled).toEqual([2]);
    expect(broker.deadLetters()).toHaveLength(1);
    expect(broker.deadLetters()[0]?.properties.headers[Header.deadQueue]).toBe('remit.group.worker');
    expect(JSON.parse(String(broker.deadLetters()[0]?.properties.headers[Header.deadIssues]))).toEqual([
      { path: 'n', message: 'Invalid input: expected number, received string' },
    ]);
    expect(workers.reduce((sum, worker) => sum + worker.stats().deadLettered, 0)).toBe(1);
  });

  it('reports the instance that dead-lettered an invalid event as failed to a publish with ack: true', async () => {
    const broker = memoryBroker();
    const publisher = await started(createBus(onBroker(broker, 'api')));
    const consumer = await started(createBus(onBroker(broker, 'mailer', { schemas: zodSchemas })));
    consumer.on('user.created', () => {});

    const report = await publisher.publish('user.created', { id: 'u1' }, { ack: true, local: false });

    expect(report.failed.map((ref) => ref.instance)).toEqual([consumer.instanceId]);
    expect(report.acked.map((ref) => ref.instance)).not.toContain(consumer.instanceId);
    expect(broker.deadLetters()).toHaveLength(1);
  });

  it('checks nothing for events without a schema, even one named like an Object.prototype member', async () => {
    const broker = memoryBroker();
    const publisher = await started(createBus(onBroker(broker, 'api')));
    const consumer = await started(createBus<Record<string, unknown>>(onBroker(broker, 'mailer', { schemas: zodSchemas })));
    const heard: unknown[] = [];
    consumer.on('constructor', (payload) => void heard.push(payload));

    await publisher.publish('constructor', 'anything');

    await until(() => heard.length === 1, 'the event');
    expect(heard).toEqual(['anything']);
    expect(broker.deadLetters()).toEqual([]);
  });
});

describe('the schemas option', () => {
  function configError(options: unknown): ConfigError {
    try {
      createBus({ service: 's', transport: memory(), ...(options as object) });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }

  it('rejects anything but an object of Standard Schemas, naming the field', () => {
    expect(configError({ schemas: 'user.created' }).field).toBe('schemas');
    expect(configError({ schemas: [z.string()] }).field).toBe('schemas');
    expect(configError({ schemas: null }).field).toBe('schemas');
    const notASchema = configError({ schemas: { 'user.created': { parse: () => ({}) } } });
    expect(notASchema.field).toBe('schemas.user.created');
    expect(notASchema.message).toContain('Standard Schema');
    expect(configError({ schemas: { ok: z.string(), 'order.placed': { '~standard': { validate: 'no' } } } }).field).toBe(
      'schemas.order.placed',
    );
  });

  it('accepts any Standard Schema, also one that is a function (as arktype schemas are)', async () => {
    const positive = Object.assign((value: unknown) => value, {
      '~standard': {
        version: 1 as const,
        vendor: 'hand-made',
        validate: (value: unknown) =>
          typeof value === 'number' && value > 0 ? { value } : { issues: [{ message: 'expected a positive number' }] },
      },
    });
    const publisher = await started(createBus({ service: 's', transport: memory(), schemas: { tick: positive } }));

    const error = await rejection(publisher.publish('tick', -1));

    expect(error.message).toContain('failed its schema: expected a positive number.');
    await publisher.publish('tick', 1);
  });

  it('shows the schemas given on bus.schemas, and an empty frozen object without them', () => {
    const withSchemas = createBus({ service: 's', transport: memory(), schemas: zodSchemas });
    const without = createBus({ service: 's', transport: memory() });
    expect(withSchemas.schemas).toBe(zodSchemas);
    expect(without.schemas).toEqual({});
    expect(Object.isFrozen(without.schemas)).toBe(true);
  });
});

describe('ValidationError', () => {
  it('lists the first ten issues and counts the rest; the header keeps whole issues within its bound', async () => {
    const schema = z.object({ items: z.array(z.object({ sku: z.string() })) });
    const broker = memoryBroker();
    const publisher = await started(createBus(onBroker(broker, 'api')));
    const consumer = await started(createBus(onBroker(broker, 'shop', { schemas: { 'order.placed': schema } })));
    consumer.on('order.placed', () => {});
    const items = Array.from({ length: 500 }, () => ({ sku: 1 }));

    const error = await rejection(
      started(createBus(onBroker(broker, 'api2', { schemas: { 'order.placed': schema } }))).then((bus) =>
        bus.publish('order.placed', { items: items as unknown as Array<{ sku: string }> }),
      ),
    );
    await publisher.publish('order.placed', { items });

    expect(error.issues).toHaveLength(500);
    expect(error.message).toContain('items[0].sku: Invalid input');
    expect(error.message).toContain('items[9].sku');
    expect(error.message).not.toContain('items[10].sku');
    expect(error.message).toContain('and 490 more');
    await until(() => broker.deadLetters().length === 1, 'a dead letter');
    const header = String(broker.deadLetters()[0]?.properties.headers[Header.deadIssues]);
    expect(header.length).toBeLessThanOrEqual(MAX_ISSUES_HEADER);
    const listed = JSON.parse(header) as Array<{ path: string }>;
    expect(listed.length).toBeGreaterThan(10);
    expect(listed.length).toBeLessThan(500);
    expect(listed[0]).toEqual({ path: 'items[0].sku', message: 'Invalid input: expected string, received number' });
  });
});
