import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CliIo, ExitCode, main, VERSION } from '../src/index.js';
import { secretsIn } from '../src/args.js';

function io(options: { stdin?: string; env?: Record<string, string> } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    stdin: Readable.from([options.stdin ?? '']),
    env: options.env ?? {},
  };
  return { io: value, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('main()', () => {
  it('returns the exit code and writes help to the injected stdout', async () => {
    const run = io();

    expect(await main(['publish', '--help'], run.io)).toBe(ExitCode.ok);
    expect(run.stdout()).toContain('Usage: remit publish <event> [json]');
  });

  it('rejects JSON from stdin that does not parse before it touches the broker', async () => {
    const run = io({ stdin: '{"id": ', env: { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' } });

    expect(await main(['publish', 'user.created'], run.io)).toBe(ExitCode.usage);
    expect(run.stderr()).toContain('remit publish: stdin is not valid JSON');
  });

  it('masks a password that appears in any error message', async () => {
    const run = io();

    expect(await main(['publsh', '--url', 'amqp://u:hunter22@h', 'hunter22'], run.io)).toBe(ExitCode.usage);
    expect(run.stderr()).not.toContain('hunter22');
    expect(run.stderr()).toContain('unknown command "publsh"');
  });

  it('exit codes keep their documented values', () => {
    expect(ExitCode).toEqual({ ok: 0, failure: 1, usage: 2, noReply: 3, remoteError: 4 });
  });

  it('VERSION is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});

describe('main() dispatching', () => {
  it('answers a command\'s --help before checking its arguments, but not past an unknown flag', async () => {
    const help = io();
    const flag = io();

    expect(await main(['dead', 'list', '--help', 'extra'], help.io)).toBe(ExitCode.ok);
    expect(help.stdout()).toContain('Usage: remit dead list [options]');
    expect(await main(['tail', '--follow', '--help'], flag.io)).toBe(ExitCode.usage);
    expect(flag.stderr()).toBe('remit tail: unknown option "--follow".\nRun "remit tail --help" for usage.\n');
  });

  it('rejects an argument to a command that takes none, with that command\'s hint', async () => {
    const list = io();
    const replay = io();

    expect(await main(['dead', 'list', 'x'], list.io)).toBe(ExitCode.usage);
    expect(list.stderr()).toBe('remit dead list: unexpected argument "x".\nRun "remit dead list --help" for usage.\n');
    expect(await main(['dead', 'replay', 'x'], replay.io)).toBe(ExitCode.usage);
    expect(replay.stderr()).toContain('remit dead replay: unexpected argument "x"; pass ids with --id.\n');
  });

  it('reports a command\'s own usage error before a missing broker URL', async () => {
    const limit = io();
    const publish = io();

    expect(await main(['dead', 'list', '--limit', 'x'], limit.io)).toBe(ExitCode.usage);
    expect(limit.stderr()).toContain('remit dead list: --limit expects a whole number of at least 0, got "x".');
    expect(await main(['publish'], publish.io)).toBe(ExitCode.usage);
    expect(publish.stderr()).toContain('remit publish: missing <event>: remit publish <event> [json].');
  });

  it('shows a group\'s usage on stderr when no subcommand is given, and on stdout for --help', async () => {
    const bare = io();
    const asked = io();

    expect(await main(['dead'], bare.io)).toBe(ExitCode.usage);
    expect(bare.stderr()).toContain('Usage: remit dead <list|replay|purge>');
    expect(await main(['help', 'dead'], asked.io)).toBe(ExitCode.ok);
    expect(asked.stdout()).toBe(bare.stderr());
  });

  it('treats names inherited from Object as unknown commands', async () => {
    const top = io();
    const sub = io();

    expect(await main(['constructor'], top.io)).toBe(ExitCode.usage);
    expect(top.stderr()).toContain('remit: unknown command "constructor"; the commands are publish, request, tail, instances, dead, asyncapi.');
    expect(await main(['dead', 'toString'], sub.io)).toBe(ExitCode.usage);
    expect(sub.stderr()).toContain('unknown command "dead toString"; use dead list, dead replay or dead purge.');
  });
});

describe('secretsIn', () => {
  it('finds the passwords of --url, --url= and AMQP_URL, raw and decoded, and skips one-letter ones', () => {
    const secrets = secretsIn(['--url', 'amqp://a:p%40ss@h', '--url=amqp://b:second@h', '--url', 'amqp://c:x@h'], {
      AMQP_URL: 'amqps://d:from-env@h:5671/vhost',
    });

    expect(secrets.sort()).toEqual(['from-env', 'p%40ss', 'p@ss', 'second'].sort());
  });
});
