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

describe('secretsIn', () => {
  it('finds the passwords of --url, --url= and AMQP_URL, raw and decoded, and skips one-letter ones', () => {
    const secrets = secretsIn(['--url', 'amqp://a:p%40ss@h', '--url=amqp://b:second@h', '--url', 'amqp://c:x@h'], {
      AMQP_URL: 'amqps://d:from-env@h:5671/vhost',
    });

    expect(secrets.sort()).toEqual(['from-env', 'p%40ss', 'p@ss', 'second'].sort());
  });
});
