import type { InstanceInfo } from '@remit/core';
import { GLOBAL_HELP } from '../args.js';
import { withBus } from '../bus-session.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { type OutputStream, painter, writeLine } from '../io.js';

const HELP = `Usage: remit instances [service…] [options]

Lists the live instances on the bus: every bus announces itself, heartbeats and says goodbye on
the presence exchange. The CLI joins for about a second, asks everyone to announce, prints what it
heard, and leaves; it does not list itself. Name services to list only theirs.

Options:
  --json                 one JSON object per line: service, instance, version, startedAt,
                         lastSeen, heartbeatIntervalMs

${GLOBAL_HELP}

Example:
  remit instances
  remit instances billing --json | jq -r .instance`;

/** `remit instances`: who is alive, through @remit/core's presence (`bus.instances()`). */
export const instancesCommand = defineCommand({
  name: 'instances',
  summary: 'list the live instances of every service',
  help: HELP,
  options: {
    json: { type: 'boolean' },
  },

  async run({ values, positionals, broker }, io) {
    if (positionals.some((service) => service.trim() === '')) throw new UsageError('a service name is empty.');
    const services = new Set(positionals);
    const instances = await withBus(broker(), { service: 'remit-cli', codec: 'superjson' }, async (bus) =>
      (await bus.instances()).filter(
        (instance) => instance.instance !== bus.instanceId && (services.size === 0 || services.has(instance.service)),
      ),
    );
    if (values.json) {
      for (const instance of instances) writeLine(io.stdout, JSON.stringify(instanceRecord(instance)));
    } else {
      printTable(io.stdout, instances);
    }
    writeLine(io.stderr, `${instances.length} live instance${instances.length === 1 ? '' : 's'}.`);
    return ExitCode.ok;
  },
});

function instanceRecord(instance: InstanceInfo): Record<string, unknown> {
  return {
    service: instance.service,
    instance: instance.instance,
    version: instance.version,
    startedAt: instance.startedAt.toISOString(),
    lastSeen: instance.lastSeen.toISOString(),
    heartbeatIntervalMs: instance.heartbeatIntervalMs,
  };
}

function ago(date: Date): string {
  const seconds = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  return seconds < 120 ? `${seconds}s ago` : `${Math.round(seconds / 60)}m ago`;
}

function printTable(stream: OutputStream, instances: readonly InstanceInfo[]): void {
  if (instances.length === 0) return;
  const paint = painter(stream);
  const rows = [
    ['SERVICE', 'INSTANCE', 'VERSION', 'STARTED', 'LAST SEEN'],
    ...instances.map((instance) => [
      instance.service,
      instance.instance,
      instance.version ?? '-',
      instance.startedAt.toISOString(),
      ago(instance.lastSeen),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  rows.forEach((row, index) => {
    const line = row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
    writeLine(stream, index === 0 ? paint('bold', line) : line);
  });
}
