import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigError, ValidationError, toError } from '../errors.js';
import type { EventSchemas } from './schema-types.js';
import { describe, isRecord } from '../config-checks.js';

/**
 * The schemas a bus checks payloads against, by event name; null when it has none, so the publish
 * and receive paths pay one null check and nothing else.
 */
export type SchemaLookup = ReadonlyMap<string, StandardSchemaV1> | null;

export interface SchemaOptions {
  /** What `bus.schemas` shows: the record given, or an empty frozen one. */
  schemas: EventSchemas;
  lookup: SchemaLookup;
}

const NO_SCHEMAS: EventSchemas = Object.freeze({});

/** A Standard Schema: anything with a `~standard.validate` function. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  // arktype's schemas are functions carrying `~standard`; zod's and valibot's are objects.
  if (!isRecord(value) && typeof value !== 'function') return false;
  const standard: unknown = Reflect.get(value, '~standard');
  return isRecord(standard) && typeof standard.validate === 'function';
}

/** Checks `createBus({ schemas })`: an object of Standard Schemas (zod, valibot, arktype …). */
export function schemaOptions(value: unknown): SchemaOptions {
  if (value === undefined) return { schemas: NO_SCHEMAS, lookup: null };
  if (!isRecord(value)) {
    throw new ConfigError('schemas', `expected an object of event name → schema, got ${describe(value)}.`);
  }
  // A Map, not the record itself: an event named "constructor" must not find Object.prototype's.
  const lookup = new Map<string, StandardSchemaV1>();
  for (const name of Object.keys(value)) {
    const schema = value[name];
    if (!isStandardSchema(schema)) {
      throw new ConfigError(
        `schemas.${name}`,
        'expected a Standard Schema (an object with "~standard".validate, as zod, valibot and arktype schemas have), ' +
          `got ${describe(schema)}.`,
      );
    }
    lookup.set(name, schema);
  }
  return { schemas: value as EventSchemas, lookup: lookup.size === 0 ? null : lookup };
}

/** A schema that throws (a bug in a refinement) fails the payload instead of escaping as an unknown error. */
function thrown(caught: unknown): StandardSchemaV1.FailureResult {
  return { issues: [{ message: `the schema threw: ${toError(caught).message}` }] };
}

/** Runs a schema; the result is synchronous when the schema is. */
export function runSchema(
  schema: StandardSchemaV1,
  payload: unknown,
): StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>> {
  try {
    const result = schema['~standard'].validate(payload);
    return result instanceof Promise ? result.catch(thrown) : result;
  } catch (caught) {
    return thrown(caught);
  }
}

/**
 * Checks an outgoing payload: throws ValidationError at once for a synchronous schema (so the
 * publish keeps its place in the outbox order), or returns a promise for an async one.
 */
export function checkOutgoing(schema: StandardSchemaV1, name: string, payload: unknown): Promise<void> | undefined {
  const result = runSchema(schema, payload);
  if (result instanceof Promise) {
    return result.then((settled) => {
      if (settled.issues) throw new ValidationError(name, settled.issues, 'publish');
    });
  }
  if (result.issues) throw new ValidationError(name, result.issues, 'publish');
  return undefined;
}
