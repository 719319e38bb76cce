import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, deleteTopology, unique, waitFor } from '../helpers/broker.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';
import { groupQueue } from '../helpers/buses.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/nestjs/', import.meta.url));

let launcher: ChildProcess | undefined;
let topology: { exchanges: string[]; queues: string[] } = { exchanges: [], queues: [] };
afterEach(async () => {
  if (launcher?.pid && launcher.exitCode === null && launcher.signalCode === null) process.kill(-launcher.pid, 'SIGKILL');
  launcher = undefined;
  await deleteTopology(topology);
});

/** A free-enough port pair: random in a range nothing else in the suite uses. */
function basePort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000) * 2;
}

describe('examples/nestjs, as its README says', () => {
  // `pnpm start` is "build the packages, compile the example, node dist/main.js". The test command
  // has built the packages already, and rebuilding them here would pull dist/ from under the tests
  // running beside this one; so this runs the example's own compile step, then dist/main.js.
  it('two instances: an order placed on one is heard by both, reserved by one, and Ctrl+C closes both cleanly', async () => {
    await promisify(execFile)('pnpm', ['run', 'build'], { cwd: EXAMPLE, timeout: 60_000 });
    const service = unique('orders-example');
    const exchange = unique('remit.example.nestjs');
    topology = {
      exchanges: [exchange],
      queues: [groupQueue(service, exchange), `remit.instance.${service}.orders-1`, `remit.instance.${service}.orders-2`],
    };
    const port = basePort();
    let output = '';
    // Its own process group, so the test can send SIGINT to every process as a terminal's Ctrl+C does.
    const started = spawn(process.execPath, ['dist/main.js'], {
      cwd: EXAMPLE,
      env: { ...process.env, AMQP_URL, PORT: String(port), REMIT_SERVICE: service, REMIT_EXCHANGE: exchange, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    launcher = started;
    started.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));

    await waitFor('both instances', () => output.includes('Both instances are up'), 30_000);
    expect(output).toContain(`orders-1 on http://localhost:${port}, orders-2 on http://localhost:${port + 1}`);

    const response = await fetch(`http://localhost:${port}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'book', quantity: 2 }),
    });
    expect(response.status).toBe(201);
    const { id, publishedBy } = (await response.json()) as { id: string; publishedBy: string };
    expect(publishedBy).toBe('orders-1');

    const heard = () => output.match(new RegExp(`heard order.placed ${id}`, 'g')) ?? [];
    await waitFor('both instances to hear the order', () => heard().length === 2);
    await waitFor('the stock reservation', () => output.includes(`reserved stock for ${id}`));
    expect(output).toMatch(new RegExp(`orders-1 \\|.*orders-1 heard order.placed ${id} \\(2 x book\\) from orders-1, placed at \\d{4}-`));
    expect(output).toMatch(new RegExp(`orders-2 \\|.*orders-2 heard order.placed ${id} \\(2 x book\\) from orders-1`));

    const health = await fetch(`http://localhost:${port + 1}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', details: { remit: { status: 'up', busStatus: 'connected' } } });
    // Three deliveries in all: each instance's broadcast copy, and the group's one copy on either.
    const received = async (at: number) => {
      const text = await (await fetch(`http://localhost:${at}/metrics`)).text();
      return sampleValue(parsePrometheusText(text), 'remit_events_received_total', { service, event: 'order.placed' });
    };
    expect((await received(port)) + (await received(port + 1))).toBe(3);

    if (started.pid === undefined) throw new Error('the launcher has no pid');
    process.kill(-started.pid, 'SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('Both instances closed cleanly.');
    expect(output.match(/reserved stock for/g)).toHaveLength(1);
    expect(output).not.toContain('guest:guest');
  });

  it('says clearly when no broker answers, and exits with code 1', async () => {
    await promisify(execFile)('pnpm', ['run', 'build'], { cwd: EXAMPLE, timeout: 60_000 });
    const result = await promisify(execFile)(process.execPath, ['dist/main.js'], {
      cwd: EXAMPLE,
      env: { ...process.env, AMQP_URL: 'amqp://guest:guest@127.0.0.1:1', NO_COLOR: '1' },
      timeout: 20_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No RabbitMQ answers at amqp://guest:***@127.0.0.1:1');
    expect(result.stderr).toContain('AMQP_URL=');
  });
});
