import { Readable } from 'node:stream';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { BrokerSettings } from '../src/args.js';
import { type CommandInput, defineCommand } from '../src/command.js';
import { UsageError } from '../src/errors.js';
import { ExitCode } from '../src/exit-codes.js';
import type { CliIo } from '../src/io.js';

const OPTIONS = {
  limit: { type: 'string' },
  id: { type: 'string', multiple: true },
  persistent: { type: 'boolean', default: true },
} as const;

function silentIo(env: CliIo['env'] = {}): CliIo {
  return { stdout: { write: () => true }, stderr: { write: () => true }, stdin: Readable.from(['']), env };
}

/** A command that hands back what its run was given. */
function recorder(useBroker: boolean) {
  const seen: { input?: CommandInput<typeof OPTIONS>; settings?: BrokerSettings } = {};
  const command = defineCommand({
    name: 'probe',
    summary: 'records its input',
    help: 'Usage: remit probe',
    options: OPTIONS,
    async run(input) {
      seen.input = input;
      if (useBroker) seen.settings = input.broker();
      return ExitCode.ok;
    },
  });
  return { command, seen };
}

describe('defineCommand', () => {
  it("types run's values from the command's own options and the global ones", () => {
    defineCommand({
      name: 'typed',
      summary: '',
      help: '',
      options: OPTIONS,
      async run({ values }) {
        expectTypeOf(values.limit).toEqualTypeOf<string | undefined>();
        expectTypeOf(values.id).toEqualTypeOf<string[] | undefined>();
        expectTypeOf(values.persistent).toEqualTypeOf<boolean>();
        expectTypeOf(values.url).toEqualTypeOf<string | undefined>();
        expectTypeOf(values.help).toEqualTypeOf<boolean | undefined>();
        return ExitCode.ok;
      },
    });
  });

  it('parses with its own options plus the global ones, defaults and --no- negation included', async () => {
    const { command, seen } = recorder(false);

    const parsed = command.parse(['a', '--limit', '3', '--id', 'x', '--id', 'y', '--no-persistent', '--exchange', 'ev', 'b']);
    expect(parsed.help).toBe(false);
    expect(parsed.positionals).toEqual(['a', 'b']);
    expect(await parsed.run(silentIo())).toBe(ExitCode.ok);
    expect(seen.input?.values).toEqual({ limit: '3', id: ['x', 'y'], persistent: false, exchange: 'ev' });
  });

  it('reports --help and -h without running the command', () => {
    const { command, seen } = recorder(false);

    expect(command.parse(['--help']).help).toBe(true);
    expect(command.parse(['x', '-h']).help).toBe(true);
    expect(seen.input).toBeUndefined();
  });

  it('turns a flag the command does not take into a usage error naming it', () => {
    const { command } = recorder(false);

    expect(() => command.parse(['--follow'])).toThrow(new UsageError('unknown option "--follow".'));
  });

  it('broker() reads --url, AMQP_URL and the name flags only when the command asks', async () => {
    const lazy = recorder(false);
    const eager = recorder(true);
    const fromEnv = recorder(true);

    expect(await lazy.command.parse([]).run(silentIo())).toBe(ExitCode.ok);
    await expect(eager.command.parse([]).run(silentIo())).rejects.toThrow('no broker URL');
    await fromEnv.command.parse(['--dead-letter', 'billing.dead', '--timeout', '250']).run(silentIo({ AMQP_URL: 'amqp://h' }));
    expect(fromEnv.seen.settings).toMatchObject({ url: 'amqp://h', deadLetter: 'billing.dead', timeoutMs: 250, exchange: 'remit.events' });
  });
});
