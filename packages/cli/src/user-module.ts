import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, UsageError } from './errors.js';

/**
 * Loads a module of the user's (ESM or CommonJS) by its path, relative to the working directory,
 * exactly as Node would import it. A path with no file is a usage error; a module that fails
 * while loading is a runtime failure, reported with its own message.
 */
export async function importUserModule(path: string): Promise<Record<string, unknown>> {
  const absolute = resolve(process.cwd(), path);
  const file = await stat(absolute).catch(() => undefined);
  if (!file?.isFile()) throw new UsageError(`no module file at "${path}" (looked for ${absolute}).`);
  try {
    // A module namespace object: its keys are the export names, its values anything.
    return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (caught) {
    const reason = caught instanceof Error ? caught.message : String(caught);
    throw new CliError(`could not load "${path}": ${reason}`, undefined, { cause: caught });
  }
}

/**
 * One export of a loaded module. A CommonJS module's `module.exports` is its default export, and
 * its properties may or may not have been detected as named exports, so both are looked at.
 */
export function exportOf(module: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(module, name) && module[name] !== undefined) return module[name];
  const fallback = module.default;
  if (name === 'default' || typeof fallback !== 'object' || fallback === null || !Object.hasOwn(fallback, name)) return undefined;
  const value: unknown = Reflect.get(fallback, name);
  return value;
}
