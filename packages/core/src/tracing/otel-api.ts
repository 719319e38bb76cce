import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module. */
export type OtelApiModule = typeof OtelApi;

let loaded: OtelApiModule | null | undefined;

/**
 * `@opentelemetry/api` if the application installed it (an optional peer dependency), else null.
 * Looked up once per process, synchronously, so a bus knows at creation whether it traces.
 *
 * Loaded with require() from both builds: an ESM import would make bus creation async. Two copies
 * (the application's ESM one and this CommonJS one) still share one tracer provider and context
 * manager, because the API keeps them in a process-wide global keyed by its major version.
 */
export function otelApi(): OtelApiModule | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}

function load(): OtelApiModule | null {
  try {
    // Resolved from this file, like any import of @remit/core's own. The CommonJS build has
    // __filename; the ESM build has import.meta.url.
    const require = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    // An untyped boundary: require() returns whatever the module exports.
    return require('@opentelemetry/api') as OtelApiModule;
  } catch {
    // Not installed (or unloadable): tracing is off, and the bus never looks again.
    return null;
  }
}
