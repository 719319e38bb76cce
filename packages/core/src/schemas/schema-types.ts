import type { StandardSchemaV1 } from '@standard-schema/spec';

/** Event name → Standard Schema (zod, valibot, arktype …) of its payload. */
export type EventSchemas = Record<string, StandardSchemaV1>;

/** The event map some schemas describe: the payload each handler receives. */
export type InferEvents<S extends EventSchemas> = { [K in keyof S]: StandardSchemaV1.InferOutput<S[K]> };

/** What `publish` accepts for each event of some schemas: the schema's input, before transforms and defaults. */
export type InferEventInputs<S extends EventSchemas> = { [K in keyof S]: StandardSchemaV1.InferInput<S[K]> };
