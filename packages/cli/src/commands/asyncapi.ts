import { writeFile } from 'node:fs/promises';
import {
  type AsyncAPICodec,
  type AsyncAPIDocument,
  type AsyncAPIInfo,
  type AsyncAPIOptions,
  type AsyncAPISource,
  ConfigError,
  toAsyncAPI,
} from '@remit/core';
import { defineCommand } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine } from '../io.js';
import { exportOf, importUserModule } from '../user-module.js';

const HELP = `Usage: remit asyncapi <module> [options]

Prints an AsyncAPI 3.0 document of your events: one channel per event on the event exchange,
its message (AMQP headers, payload JSON Schema from your zod/valibot/… schemas) and a send and
a receive operation. <module> is a JavaScript file (ESM or CommonJS) exporting a record of event
name → schema, or a bus created with such schemas. No broker is needed.

Options:
  --export <name>        the export to describe (default: "schemas", else the default export)
  --title <text>         the API's title (default: the bus's service name)
  --api-version <ver>    the version of your events' contract, e.g. 1.0.0 (required)
  --description <text>   the API's description
  --codec <name>         superjson (default) or json: the codec your services publish with,
                         which decides the body's shape
  --server <[name=]url>  a broker to list, repeatable; the user and password are left out
  --exchange <name>      the event exchange (default: remit.events)
  --routing <type>       fanout (default) or topic: how the event exchange routes (amqp({ routing }))
  --out <file>           write the document to a file instead of stdout
  -h, --help             show this help

A TypeScript module needs a loader: NODE_OPTIONS="--import tsx" remit asyncapi src/events.ts …

Example:
  remit asyncapi ./dist/events.js --title shop --api-version 1.4.0 --out asyncapi.json
  remit asyncapi ./bus.js --export bus --api-version 1.4.0 --server production=amqps://rabbit.example.com`;

const DEFAULT_SERVER_NAME = 'rabbitmq';

function routingOption(value: string): 'fanout' | 'topic' {
  if (value === 'fanout' || value === 'topic') return value;
  throw new UsageError(`--routing must be fanout or topic, not "${value}".`);
}

/** `remit asyncapi <module>`: the events of a module's schemas as an AsyncAPI document. */
export const asyncapiCommand = defineCommand({
  name: 'asyncapi',
  summary: 'print an AsyncAPI 3.0 document of a module\u2019s event schemas (no broker needed)',
  help: HELP,
  options: {
    export: { type: 'string' },
    title: { type: 'string' },
    'api-version': { type: 'string' },
    description: { type: 'string' },
    codec: { type: 'string' },
    server: { type: 'string', multiple: true },
    out: { type: 'string' },
  },

  async run({ values, positionals }, io) {
    const [path, stray] = positionals;
    if (path === undefined) throw new UsageError('missing <module>: the file that exports your event schemas.');
    if (stray !== undefined) throw new UsageError(`unexpected argument "${stray}"; give one module.`);
    const version = values['api-version'];
    if (version === undefined || version.trim() === '') {
      throw new UsageError('missing --api-version: the version of your events\u2019 contract, e.g. --api-version 1.0.0.');
    }
    const codec = codecOption(values.codec);
    const servers = serverOptions(values.server ?? []);

    const module = await importUserModule(path);
    const chosen = chooseExport(module, path, values.export);
    let document: AsyncAPIDocument;
    try {
      const title = values.title ?? serviceOf(chosen.value);
      if (title === undefined) throw new UsageError('missing --title: a schemas record carries no service name to use instead.');
      const info: AsyncAPIInfo = {
        title,
        version,
        ...(values.description === undefined ? {} : { description: values.description }),
        ...(servers === undefined ? {} : { servers }),
      };
      const options: AsyncAPIOptions = {
        codec,
        ...(values.exchange === undefined ? {} : { exchange: values.exchange }),
        ...(values.routing === undefined ? {} : { routing: routingOption(values.routing) }),
      };
      document = describe(chosen.value, `export "${chosen.name}" of "${path}"`, info, options);
    } finally {
      // Closed on failure too: a bus the module started would otherwise keep the CLI from exiting.
      await closeIfBus(chosen.value);
    }

    const text = `${JSON.stringify(document, null, 2)}\n`;
    const events = Object.keys(document.channels).length;
    if (values.out === undefined) {
      io.stdout.write(text);
    } else {
      await writeFile(values.out, text).catch((caught: unknown) => {
        throw new CliError(`could not write "${values.out}": ${caught instanceof Error ? caught.message : String(caught)}`);
      });
    }
    writeLine(io.stderr, `AsyncAPI 3.0.0 document of ${events} event${events === 1 ? '' : 's'}${values.out === undefined ? '' : ` written to ${values.out}`}.`);
    return ExitCode.ok;
  },
});

function codecOption(value: string | undefined): AsyncAPICodec {
  if (value === undefined || value === 'superjson' || value === 'json') return value ?? 'superjson';
  throw new UsageError(`--codec expects superjson or json, got "${value}".`);
}

/** `--server amqps://host` or `--server production=amqps://host`, keyed by name. */
function serverOptions(values: readonly string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const servers = new Map<string, string>();
  values.forEach((value, index) => {
    const named = /^([\w.-]+)=(.+)$/.exec(value);
    const name = named?.[1] ?? (index === 0 ? DEFAULT_SERVER_NAME : `${DEFAULT_SERVER_NAME}-${index + 1}`);
    if (servers.has(name)) throw new UsageError(`--server names "${name}" twice.`);
    servers.set(name, named?.[2] ?? value);
  });
  return Object.fromEntries(servers);
}

/** `--export`'s value, else `schemas`, else the default export. */
function chooseExport(module: Record<string, unknown>, path: string, name: string | undefined): { name: string; value: unknown } {
  for (const candidate of name === undefined ? ['schemas', 'default'] : [name]) {
    const value = exportOf(module, candidate);
    if (value !== undefined) return { name: candidate, value };
  }
  const names = Object.keys(module).filter((key) => module[key] !== undefined);
  const available = names.length === 0 ? 'it exports nothing' : `its exports are ${names.join(', ')}`;
  throw new CliError(
    name === undefined
      ? `"${path}" exports neither "schemas" nor a default; ${available}. Name one with --export.`
      : `"${path}" has no export "${name}"; ${available}.`,
  );
}

function serviceOf(source: unknown): string | undefined {
  if (typeof source !== 'object' || source === null || !('schemas' in source) || !('service' in source)) return undefined;
  return typeof source.service === 'string' ? source.service : undefined;
}

/** toAsyncAPI, with a problem in the module's export reported as such (exit 1), and a bad flag as usage (exit 2). */
function describe(source: unknown, label: string, info: AsyncAPIInfo, options: AsyncAPIOptions): AsyncAPIDocument {
  try {
    // The module's value is unchecked here; toAsyncAPI checks its shape and says what is wrong.
    return toAsyncAPI(source as AsyncAPISource, info, options);
  } catch (caught) {
    if (caught instanceof ConfigError && /^(source|schemas)\b/.test(caught.field)) {
      throw new CliError(`${label} is not a bus or a record of event schemas: ${caught.message}`);
    }
    throw caught;
  }
}

/** A bus the module created for its export would keep this process alive; nothing else uses it. */
async function closeIfBus(source: unknown): Promise<void> {
  if (typeof source !== 'object' || source === null || !('schemas' in source) || !('close' in source)) return;
  if (typeof source.close === 'function') await Promise.resolve(source.close()).catch(() => {});
}
