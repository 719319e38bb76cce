import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Closes the broker side of the connections whose client-provided name contains `needle`, as an
 * operator's `rabbitmqctl close_connection` would. Only this test's connections are touched, so
 * other test files running in parallel keep theirs. Returns how many were closed.
 */
export async function closeConnectionsNamed(needle: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']);
  const names = stdout
    .split('\n')
    .filter((line) => line.includes(needle))
    .map((line) => line.split('\t')[0])
    .filter((name): name is string => Boolean(name));
  for (const name of names) await run('rabbitmqctl', ['-q', 'close_connection', name, 'closed by test']);
  return names.length;
}

/** The type (`classic`, `quorum`) of each named queue on the shared broker, as `rabbitmqctl list_queues` reports it. */
export async function queueTypes(names: readonly string[]): Promise<Map<string, string>> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_queues', 'name', 'type', '--formatter', 'json']);
  const wanted = new Set(names);
  const types = new Map<string, string>();
  for (const row of JSON.parse(stdout) as { name: string; type: string }[]) if (wanted.has(row.name)) types.set(row.name, row.type);
  return types;
}
