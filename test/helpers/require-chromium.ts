import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Chromium, which the browser tests drive with playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless run in a container: no sandbox, GPU, QUIC or background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Part of the browser tests' set-up: installs Debian's `chromium` package when it is missing
 * (`apt-get install`, with `apt-get update` first if the install fails) and fails loudly if it
 * still cannot. A missing browser never turns into a skipped test.
 */
export function requireChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const attempts: string[] = [];
  const aptGet = (...args: string[]): boolean => {
    // Without root, sudo -n works where passwordless sudo is set up and fails at once otherwise.
    const root = process.getuid?.() === 0;
    const command = root ? 'apt-get' : 'sudo';
    const prefix = root ? [] : ['-n', 'apt-get'];
    try {
      execFileSync(command, [...prefix, ...args], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        timeout: 280_000,
      });
      return true;
    } catch (error) {
      attempts.push(`${command} ${[...prefix, ...args].join(' ')}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };
  if (!aptGet('install', '-y', 'chromium')) {
    aptGet('update');
    aptGet('install', '-y', 'chromium');
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM} and could not install it. Install it with ` +
        `"apt-get install -y chromium" and run the tests again.\n${attempts.join('\n')}`,
    );
  }
  return CHROMIUM;
}
