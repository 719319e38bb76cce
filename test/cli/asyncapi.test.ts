import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listed, parseAsyncAPI } from '../asyncapi/parse-asyncapi.js';
import { remit } from './run-cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const ESM = fixture('asyncapi-events.mjs');
const CJS = fixture('asyncapi-events.cjs');
// The command needs no broker: without AMQP_URL it must still work.
const NO_BROKER = { env: { AMQP_URL: undefined } };

/** Parses stdout with @asyncapi/parser and returns the events it lists, failing on any error. */
async function eventsListed(stdout: string): Promise<ReturnType<typeof listed>> {
  const parsed = await parseAsyncAPI(stdout);
  expect(parsed.errors).toEqual([]);
  if (!parsed.document) throw new Error('the parser returned no document');
  return listed(parsed.document);
}

describe('remit asyncapi', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'remit-asyncapi-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a valid AsyncAPI document listing every event of an ESM module\u2019s schemas, with no broker', async () => {
    const result = await remit(['asyncapi', ESM, '--title', 'shop', '--api-version', '1.4.0'], NO_BROKER);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('AsyncAPI 3.0.0 document of 3 events.');
    const document = JSON.parse(result.stdout) as { info: { title: string; version: string } };
    expect(document.info).toMatchObject({ title: 'shop', version: '1.4.0' });
    const events = await eventsListed(result.stdout);
    expect(events.addresses).toEqual(['user.created', 'order.placed', 'cache.cleared']);
    expect(events.messages).toEqual(['user.created', 'order.placed', 'cache.cleared']);
    for (const event of events.addresses) {
      expect(events.operations).toContainEqual({ action: 'send', address: event, messages: [event] });
      expect(events.operations).toContainEqual({ action: 'receive', address: event, messages: [event] });
    }
  });

  it('reads a CommonJS module by a relative path, and writes --out with the json codec', async () => {
    const out = join(dir, 'users.json');
    const result = await remit(
      ['asyncapi', relative(process.cwd(), CJS), '--title', 'users', '--api-version', '2.0.0', '--codec', 'json', '--out', out],
      NO_BROKER,
    );

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const text = await readFile(out, 'utf8');
    expect((await eventsListed(text)).addresses).toEqual(['user.created', 'user.deleted']);
    expect(JSON.parse(text)).toMatchObject({
      components: { schemas: { 'remit-headers': { properties: { 'remit-codec': { const: 'json' } } } } },
    });
  });

  it('describes the export --export names; a bus-like export gives its service as the title', async () => {
    const result = await remit(
      ['asyncapi', ESM, '--export', 'billing', '--api-version', '1.0.0', '--server', 'production=amqps://ops:t0p-s3cret@rabbit.example.com/shop'],
      NO_BROKER,
    );

    expect(result.code).toBe(0);
    expect((await eventsListed(result.stdout)).addresses).toEqual(['invoice.sent']);
    expect(JSON.parse(result.stdout)).toMatchObject({
      info: { title: 'billing' },
      servers: { production: { host: 'rabbit.example.com', protocol: 'amqps', pathname: '/shop' } },
    });
    expect(result.stdout + result.stderr).not.toContain('t0p-s3cret');
  });

  it('a path with no module is a usage error that names it', async () => {
    const result = await remit(['asyncapi', './no/such/events.mjs', '--title', 'x', '--api-version', '1.0.0'], NO_BROKER);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('remit asyncapi: no module file at "./no/such/events.mjs"');
  });

  it('a module that throws on import, or an export that is not schemas, is a runtime failure saying why', async () => {
    const broken = await remit(['asyncapi', fixture('asyncapi-broken.mjs'), '--title', 'x', '--api-version', '1.0.0'], NO_BROKER);
    const missing = await remit(['asyncapi', ESM, '--export', 'nope', '--title', 'x', '--api-version', '1.0.0'], NO_BROKER);
    const wrong = await remit(['asyncapi', ESM, '--export', 'notSchemas', '--title', 'x', '--api-version', '1.0.0'], NO_BROKER);

    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('could not load');
    expect(broken.stderr).toContain('events module exploded on import');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('has no export "nope"; its exports are billing, notSchemas, schemas');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('export "notSchemas"');
    expect(wrong.stderr).toContain('is not a Standard Schema');
  });

  it('closes a bus the module started even when it cannot be described, so the command exits', async () => {
    const result = await remit(['asyncapi', fixture('asyncapi-started-bus.mjs'), '--export', 'bus', '--api-version', '1.0.0']);

    // Without the close, the bus's connection keeps the process alive until the runner kills it (code null).
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has no events');
  });

  it('missing or bad flags are usage errors (exit code 2), checked before the module is loaded', async () => {
    const noModule = await remit(['asyncapi'], NO_BROKER);
    const noVersion = await remit(['asyncapi', ESM, '--title', 'x'], NO_BROKER);
    const noTitle = await remit(['asyncapi', ESM, '--api-version', '1.0.0'], NO_BROKER);
    const codec = await remit(['asyncapi', fixture('asyncapi-broken.mjs'), '--api-version', '1.0.0', '--codec', 'msgpack'], NO_BROKER);
    const server = await remit(['asyncapi', ESM, '--title', 'x', '--api-version', '1.0.0', '--server', 'http://h'], NO_BROKER);

    expect(noModule.code).toBe(2);
    expect(noModule.stderr).toContain('missing <module>');
    expect(noVersion.code).toBe(2);
    expect(noVersion.stderr).toContain('missing --api-version');
    expect(noTitle.code).toBe(2);
    expect(noTitle.stderr).toContain('missing --title');
    expect(codec.code).toBe(2);
    expect(codec.stderr).toContain('--codec expects superjson or json');
    expect(server.code).toBe(2);
    expect(server.stderr).toContain('info.servers.rabbitmq');
  });
});
