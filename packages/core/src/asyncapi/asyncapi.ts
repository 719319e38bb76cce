import type { StandardSchemaV1 } from '@standard-schema/spec';
import { maskUrl } from '../amqp/amqp-options.js';
import type { AsyncAPIChannel, AsyncAPIDocument, AsyncAPIOperation, AsyncAPIServer } from './asyncapi-document.js';
import { type AsyncAPICodec, exportJsonSchema, type JsonSchemaExporter, relocateRefs } from './asyncapi-schema.js';
import { bodySchema, channelBinding, headersSchema, MESSAGE_PROPERTIES, RECEIVE_DESCRIPTION } from './asyncapi-wire.js';
import { WIRE_VERSION } from '../wire/headers.js';
import { ConfigError } from '../errors.js';
import type { EventSchemas } from '../schemas/schema-types.js';
import { isStandardSchema } from '../schemas/schema-validation.js';

/** What to describe: a bus (anything with `schemas`, and maybe `service`) or a bare schemas record. */
export type AsyncAPISource = EventSchemas | { readonly service?: string | undefined; readonly schemas: EventSchemas };

/** The document's `info`, and the brokers it names. */
export interface AsyncAPIInfo {
  /**
   * The API's name.
   * @default the source's `service`, when it has one
   */
  title?: string;
  /** The version of your events' contract (not remit's). */
  version: string;
  /** @default a line saying these are remit events and where the wire format is described */
  description?: string;
  /**
   * Brokers by name, each an `amqp://` or `amqps://` URL. The user and password in a URL are left
   * out of the document: only host, port and vhost are written.
   */
  servers?: Record<string, string>;
}

/** How the events travel. */
export interface AsyncAPIOptions {
  /**
   * The codec the publishers use, which decides the body: `json` sends the payload itself,
   * `superjson` (remit's default) sends superjson's `{ json, meta }` object.
   * @default 'superjson'
   */
  codec?: AsyncAPICodec;
  /**
   * The event exchange, when the buses use another name (`amqp({ exchange })`).
   * @default 'remit.events'
   */
  exchange?: string;
  /**
   * How the buses' event exchange routes (`amqp({ routing })`): the exchange type in the bindings.
   * @default 'fanout'
   */
  routing?: 'fanout' | 'topic';
  /** Supplies JSON Schema for validators that cannot export it themselves (see {@link JsonSchemaExporter}). */
  jsonSchema?: JsonSchemaExporter;
}

interface NormalizedSource {
  service: string | undefined;
  /** Entries rather than a record: an event may be called `__proto__`. */
  events: [string, StandardSchemaV1][];
}

interface NormalizedOptions {
  codec: AsyncAPICodec;
  exchange: string;
  routing: 'fanout' | 'topic';
  jsonSchema: JsonSchemaExporter | undefined;
}

const HEADERS_KEY = 'remit-headers';
const DEFAULT_EXCHANGE = 'remit.events';

/**
 * Describes a bus's events as an AsyncAPI 3.0.0 document: one channel per event (address and
 * routing key = the event name, on the fanout event exchange), its message (AMQP headers and the
 * payload's JSON Schema, exported from the validator where it can), and a `send` and a `receive`
 * operation. The result is plain data: `JSON.stringify` it, or give it to AsyncAPI tools.
 *
 * @example
 * const document = toAsyncAPI({ 'user.created': z.object({ id: z.string() }) }, { title: 'users', version: '1.0.0' });
 * await writeFile('asyncapi.json', JSON.stringify(document, null, 2));
 */
export function toAsyncAPI(source: AsyncAPISource, info: AsyncAPIInfo, options: AsyncAPIOptions = {}): AsyncAPIDocument {
  const { service, events } = normalizeSource(source);
  const { codec, exchange, routing, jsonSchema } = normalizeOptions(options);
  if (typeof info !== 'object' || info === null) throw new ConfigError('info', 'expected { title, version, description?, servers? }.');
  const title = info.title ?? service;
  checkText('info.title', title, 'name the API (or describe a bus, whose service name is the default)');
  checkText('info.version', info.version, 'give the version of your events\u2019 contract, e.g. "1.0.0"');
  if (info.description !== undefined) checkText('info.description', info.description, 'describe the API or leave it out');
  const servers = info.servers === undefined ? undefined : normalizeServers(info.servers);

  const keys = new KeyAllocator([HEADERS_KEY]);
  const document: AsyncAPIDocument = {
    asyncapi: '3.0.0',
    info: {
      title,
      version: info.version,
      description:
        info.description ??
        `Events of ${service === undefined ? 'a remit bus' : `the ${service} service`} on RabbitMQ, in remit's wire format version ${WIRE_VERSION}.`,
    },
    ...(servers === undefined ? {} : { servers }),
    defaultContentType: 'application/json',
    channels: {},
    operations: {},
    components: { schemas: { [HEADERS_KEY]: headersSchema(codec) } },
  };
  for (const [event, schema] of events) {
    const key = keys.take(event);
    const exported = exportJsonSchema(schema, event, codec, jsonSchema);
    document.components.schemas[key] = relocateRefs(exported.schema, `/components/schemas/${key}`);
    // A stand-in's description explains the missing schema; only a real schema's describes the event.
    const summary = exported.exported && typeof exported.schema.description === 'string' ? exported.schema.description : undefined;
    document.channels[key] = channel(event, key, { exchange, routing }, codec, summary);
    document.operations[`${key}.send`] = operation('send', event, key, service);
    document.operations[`${key}.receive`] = operation('receive', event, key, service);
  }
  return document;
}

function channel(
  event: string,
  key: string,
  { exchange, routing }: Pick<NormalizedOptions, 'exchange' | 'routing'>,
  codec: AsyncAPICodec,
  summary: string | undefined,
): AsyncAPIChannel {
  return {
    address: event,
    title: event,
    description: `"${event}" events are published to the ${exchange} exchange (${routing}) with routing key "${event}".`,
    messages: {
      [key]: {
        name: event,
        title: event,
        ...(summary === undefined ? {} : { summary }),
        description: `${MESSAGE_PROPERTIES} Body: UTF-8 JSON, encoded with ${codec}.`,
        contentType: 'application/json',
        headers: { $ref: `#/components/schemas/${HEADERS_KEY}` },
        payload: bodySchema({ $ref: `#/components/schemas/${key}` }, codec),
        bindings: { amqp: { messageType: event, bindingVersion: '0.3.0' } },
      },
    },
    bindings: { amqp: channelBinding(exchange, routing) },
  };
}

function operation(action: 'send' | 'receive', event: string, key: string, service: string | undefined): AsyncAPIOperation {
  const channelRef = `#/channels/${key}`;
  const common = { action, channel: { $ref: channelRef }, messages: [{ $ref: `${channelRef}/messages/${key}` }] };
  if (action === 'send') {
    return {
      ...common,
      title: `Publish ${event}`,
      description: `${service === undefined ? 'A service' : `The ${service} service`} publishes "${event}"; every instance listening hears it once.`,
      bindings: { amqp: { deliveryMode: 2, timestamp: true, bindingVersion: '0.3.0' } },
    };
  }
  return {
    ...common,
    title: `Handle ${event}`,
    description: RECEIVE_DESCRIPTION,
    bindings: { amqp: { ack: true, bindingVersion: '0.3.0' } },
  };
}

function normalizeSource(source: AsyncAPISource): NormalizedSource {
  if (typeof source !== 'object' || source === null) {
    throw new ConfigError('source', `expected a bus or a record of event schemas, got ${source === null ? 'null' : typeof source}.`);
  }
  // A bus carries its schemas in `schemas`; in a bare record, `schemas` would be an event's schema.
  const record: unknown = 'schemas' in source && !isStandardSchema(source.schemas) ? source.schemas : source;
  const field = record === source ? 'schemas' : 'source.schemas';
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new ConfigError(field, 'expected a record of event name → Standard Schema (zod, valibot …).');
  }
  const events = Object.entries(record);
  if (events.length === 0) {
    throw new ConfigError(field, 'has no events: give each event a schema (createBus({ schemas }) for a bus).');
  }
  const checked: [string, StandardSchemaV1][] = [];
  for (const [event, schema] of events) {
    if (event.trim() === '') throw new ConfigError(field, 'has an empty event name.');
    if (!isStandardSchema(schema)) {
      throw new ConfigError(`${field}.${event}`, 'is not a Standard Schema (a zod, valibot, arktype … schema).');
    }
    checked.push([event, schema]);
  }
  const service = 'service' in source ? source.service : undefined;
  if (service !== undefined && typeof service !== 'string') throw new ConfigError('source.service', 'expected a string.');
  return { service, events: checked };
}

function normalizeOptions(options: AsyncAPIOptions): NormalizedOptions {
  const codec = options.codec ?? 'superjson';
  if (codec !== 'superjson' && codec !== 'json') {
    throw new ConfigError('codec', `expected "superjson" or "json", got ${JSON.stringify(codec)}.`);
  }
  const exchange = options.exchange ?? DEFAULT_EXCHANGE;
  checkText('exchange', exchange, 'name the event exchange, or leave it out for remit.events');
  const routing = options.routing ?? 'fanout';
  if (routing !== 'fanout' && routing !== 'topic') throw new ConfigError('routing', `expected "fanout" or "topic", got ${JSON.stringify(routing)}.`);
  if (options.jsonSchema !== undefined && typeof options.jsonSchema !== 'function') {
    throw new ConfigError('jsonSchema', 'expected a function (schema, event) => JSON Schema | undefined.');
  }
  return { codec, exchange, routing, jsonSchema: options.jsonSchema };
}

function checkText(field: string, value: unknown, hint: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(field, `expected a non-empty string: ${hint}.`);
}

function normalizeServers(servers: Record<string, string>): Record<string, AsyncAPIServer> {
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) {
    throw new ConfigError('info.servers', 'expected a record of server name → amqp:// URL.');
  }
  return Object.fromEntries(
    Object.entries(servers).map(([name, url]) => {
      const field = `info.servers.${name}`;
      if (!/^[\w.-]+$/.test(name)) throw new ConfigError(field, 'a server name may use letters, digits, ".", "-" and "_" only.');
      return [name, server(field, url)];
    }),
  );
}

/** Host, port and vhost only: a document is shared, so the user and password never reach it. */
function server(field: string, url: unknown): AsyncAPIServer {
  if (typeof url !== 'string') throw new ConfigError(field, `expected an amqp:// or amqps:// URL string, got ${typeof url}.`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(field, `"${maskUrl(url)}" is not a URL. Expected amqp://host:5672/vhost.`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new ConfigError(field, `protocol "${parsed.protocol}" is not supported; use amqp: or amqps:.`);
  }
  if (!parsed.hostname) throw new ConfigError(field, 'has no host name.');
  return {
    host: parsed.host,
    protocol: parsed.protocol === 'amqps:' ? 'amqps' : 'amqp',
    protocolVersion: '0.9.1',
    ...(parsed.pathname === '' ? {} : { pathname: parsed.pathname }),
  };
}

/** Keys for `channels` and `components` (letters, digits, `.`, `-`, `_`), one per event, never shared. */
class KeyAllocator {
  readonly #taken: Set<string>;

  constructor(reserved: readonly string[]) {
    // `__proto__` as a key of a plain object would set its prototype instead of adding an entry.
    this.#taken = new Set([...reserved, '__proto__']);
  }

  take(event: string): string {
    const base = event.replace(/[^\w.-]/g, '_');
    let key = base;
    for (let n = 2; this.#taken.has(key); n++) key = `${base}_${n}`;
    this.#taken.add(key);
    return key;
  }
}
