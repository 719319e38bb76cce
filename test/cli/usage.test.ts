import { describe, expect, it } from 'vitest';
import { remit } from './run-cli.js';

const COMMANDS = [
  ['publish'],
  ['request'],
  ['tail'],
  ['instances'],
  ['dead'],
  ['dead', 'list'],
  ['dead', 'replay'],
  ['dead', 'purge'],
  ['asyncapi'],
];

describe('remit usage', () => {
  it.each(COMMANDS)('remit %s --help exits 0 and shows that command', async (...command) => {
    const result = await remit([...command, '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: remit ${command.join(' ')}`);
    expect(result.stderr).toBe('');
  });

  it('remit --help lists every command and the exit codes; remit help <command> is <command> --help', async () => {
    const top = await remit(['--help']);
    const short = await remit(['-h']);
    const viaHelp = await remit(['help', 'tail']);

    expect(top.code).toBe(0);
    for (const command of ['publish', 'request', 'tail', 'instances', 'dead', 'asyncapi']) expect(top.stdout).toContain(`  ${command} `);
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 no reply to a request, 4 the responder failed');
    expect(short.stdout).toBe(top.stdout);
    expect(viaHelp).toMatchObject({ code: 0 });
    expect(viaHelp.stdout).toContain('Usage: remit tail');
  });

  it('remit --version prints the package version', async () => {
    const result = await remit(['--version']);

    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command, subcommand or flag is a usage error with exit code 2', async () => {
    const command = await remit(['publsh', 'x', '{}']);
    const sub = await remit(['dead', 'revive']);
    const flag = await remit(['tail', '--follow']);
    const none = await remit([]);

    expect(command.code).toBe(2);
    expect(command.stderr).toContain('remit: unknown command "publsh"');
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('unknown command "dead revive"');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('remit tail: unknown option "--follow"');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: remit <command>');
  });

  it('a missing broker URL is a usage error that says how to give one', async () => {
    const result = await remit(['tail'], { env: { AMQP_URL: undefined } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no broker URL: pass --url');
  });
});
