import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigError } from '../errors.js';

/** A JSON Schema (draft-07, the base of AsyncAPI 3's schema format) as a plain object. */
export type JsonSchema = Record<string, unknown>;

/** Which body codec the document describes: it decides how a payload looks on the wire. */
export type AsyncAPICodec = 'superjson' | 'json';

/**
 * Supplies the JSON Schema of one event's payload, for validators that cannot export one
 * themselves (valibot through `@valibot/to-json-schema`, for instance). It is asked first, for
 * every event; return `undefined` to leave the event to the built-in export.
 */
export type JsonSchemaExporter = (schema: StandardSchemaV1, event: string) => JsonSchema | undefined;

/** An event's payload schema, and whether it really describes the payload or is a stand-in. */
export interface ExportedSchema {
  schema: JsonSchema;
  exported: boolean;
}

// AsyncAPI 3's default schema format is a superset of draft-07, so that is what is asked for.
const TARGET = 'draft-07';

/**
 * The JSON Schema of what a receiver's validator accepts (the schema's input side: a transform's
 * result never travels), from Standard JSON Schema where the validator implements it. Never throws
 * for a validator that cannot export: the event is then described by an empty schema saying why.
 */
export function exportJsonSchema(
  schema: StandardSchemaV1,
  event: string,
  codec: AsyncAPICodec,
  custom: JsonSchemaExporter | undefined,
): ExportedSchema {
  const vendor = schema['~standard'].vendor;
  const supplied: unknown = custom?.(schema, event);
  if (supplied !== undefined) {
    if (!isObject(supplied) || Array.isArray(supplied)) {
      throw new ConfigError('jsonSchema', `returned ${Array.isArray(supplied) ? 'an array' : typeof supplied} for "${event}"; return a JSON Schema object, or undefined.`);
    }
    return { schema: plainSchema(supplied, event), exported: true };
  }
  const converter = jsonSchemaConverter(schema);
  if (!converter) {
    return standIn(
      `The ${vendor} schema of "${event}" cannot export JSON Schema (it does not implement Standard JSON Schema), ` +
        'so any JSON value is shown. Pass the jsonSchema option of toAsyncAPI to supply one.',
    );
  }
  try {
    const options: StandardJSONSchemaV1.Options =
      vendor === 'zod' ? { target: TARGET, libraryOptions: zodOptions(codec) } : { target: TARGET };
    return { schema: plainSchema(converter.input(options), event), exported: true };
  } catch (caught) {
    const reason = caught instanceof Error ? caught.message : String(caught);
    return standIn(`The ${vendor} schema of "${event}" could not be exported as JSON Schema (${reason}), so any JSON value is shown.`);
  }
}

function standIn(description: string): ExportedSchema {
  return { schema: { description }, exported: false };
}

function jsonSchemaConverter(schema: StandardSchemaV1): StandardJSONSchemaV1.Converter | undefined {
  // Standard JSON Schema (spec 1.1) sits beside `validate` on the same `~standard` object.
  const props: Partial<StandardJSONSchemaV1.Props> = schema['~standard'];
  const converter = props.jsonSchema;
  return converter && typeof converter.input === 'function' ? converter : undefined;
}

/**
 * zod refuses types JSON has no word for (Date, bigint, Map …) unless told otherwise. Those
 * become the JSON the codecs write for them, or an unconstrained schema, so that one Date field
 * does not cost the whole event its schema.
 */
function zodOptions(codec: AsyncAPICodec): Record<string, unknown> {
  return {
    unrepresentable: 'any',
    override(context: unknown) {
      const type = zodType(context);
      const target = isObject(context) && isObject(context.jsonSchema) ? context.jsonSchema : undefined;
      if (!target) return;
      // Both codecs write a Date as its ISO string (superjson adds a `meta` annotation to revive it).
      if (type === 'date') Object.assign(target, { type: 'string', format: 'date-time' });
      // superjson writes a bigint as a decimal string; plain JSON cannot carry one at all.
      else if (type === 'bigint' && codec === 'superjson') Object.assign(target, { type: 'string', pattern: '^-?[0-9]+$' });
    },
  };
}

/** The zod type name (`date`, `bigint` …) of an override callback's schema, read without zod's types. */
function zodType(context: unknown): unknown {
  if (!isObject(context) || !isObject(context.zodSchema)) return undefined;
  const internals = context.zodSchema._zod;
  return isObject(internals) && isObject(internals.def) ? internals.def.type : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A copy that is plain JSON (what a document must be), without the `$schema` the document implies. */
function plainSchema(value: unknown, event: string): JsonSchema {
  if (!isObject(value) || Array.isArray(value)) {
    throw new TypeError(`The JSON Schema exported for "${event}" is not an object.`);
  }
  // The round trip of an object gives an object: the cast only restates what was checked above.
  const { $schema: _dialect, ...rest } = JSON.parse(JSON.stringify(value)) as JsonSchema;
  return rest;
}

/**
 * A schema moved to `at` (a JSON Pointer in the document) keeps its internal references working:
 * `#` and `#/definitions/x` were relative to the schema's own root, and now point below `at`.
 */
export function relocateRefs(schema: JsonSchema, at: string): JsonSchema {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (!isObject(value)) return value;
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const moved = key === '$ref' && typeof inner === 'string' && inner.startsWith('#') ? `#${at}${inner.slice(1)}` : visit(inner);
      // Defined rather than assigned: a payload field may be called `__proto__`.
      Object.defineProperty(result, key, { value: moved, enumerable: true, writable: true, configurable: true });
    }
    return result;
  };
  // visit() maps an object to an object; its signature is wider only because it recurses into any JSON.
  return visit(schema) as JsonSchema;
}
