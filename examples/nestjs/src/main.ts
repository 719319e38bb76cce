import { type ChildProcess, fork } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { safeUrl, settings } from './settings';

/**
 * `pnpm start`: two instances of the same NestJS application, orders-1 and orders-2, on two ports.
 * Their output is shown here, each line prefixed with the instance. Ctrl+C stops both.
 */
async function main(): Promise<void> {
  if (!(await brokerAnswers(settings.amqpUrl))) {
    console.error(
      `No RabbitMQ answers at ${safeUrl(settings.amqpUrl)}.\n` +
        'Start one (for example `docker run -p 5672:5672 rabbitmq:4` or `rabbitmq-server -detached`),\n' +
        'or point AMQP_URL at yours: AMQP_URL=amqp://user:pass@host:5672 pnpm start',
    );
    process.exitCode = 1;
    return;
  }
  const instances = ['orders-1', 'orders-2'].map((id, index) => start(id, settings.port + index));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping both instances (each finishes its running handlers first)...');
    for (const { child } of instances) child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const ready = await Promise.all(instances.map(({ ready }) => ready));
  if (ready.every(Boolean)) {
    const [first, second] = [settings.port, settings.port + 1];
    console.log(
      [
        '',
        `Both instances are up: orders-1 on http://localhost:${first}, orders-2 on http://localhost:${second}.`,
        'Place an order on orders-1; both instances log "heard order.placed", one logs "reserved stock":',
        `  curl -X POST http://localhost:${first}/orders -H 'content-type: application/json' -d '{"item":"book","quantity":2}'`,
        `Health: curl http://localhost:${second}/health`,
        'Ctrl+C stops both.',
        '',
      ].join('\n'),
    );
  } else {
    stop();
  }
  const codes = await Promise.all(instances.map(({ exited }) => exited));
  const clean = stopping && codes.every((code) => code === 0);
  console.log(clean ? 'Both instances closed cleanly.' : `An instance stopped unexpectedly (exit codes ${codes.join(', ')}).`);
  process.exitCode = clean ? 0 : 1;
}

function start(id: string, port: number): { child: ChildProcess; ready: Promise<boolean>; exited: Promise<number> } {
  const child = fork(join(__dirname, 'instance.js'), {
    env: { ...process.env, INSTANCE_ID: id, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) console.log(`${id} | ${line}`);
    });
  }
  const ready = new Promise<boolean>((resolve) => {
    child.once('message', () => resolve(true));
    child.once('exit', () => resolve(false));
  });
  // Nest re-raises the signal once its shutdown hooks are done: that is a clean stop too. (Ctrl+C
  // in a terminal sends SIGINT to the instances as well as to this process.)
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : (code ?? 1))),
  );
  return { child, ready, exited };
}

/** A TCP connect to the broker's port, so a missing broker is reported in a second, not after timeouts. */
function brokerAnswers(url: string): Promise<boolean> {
  const { hostname, port, protocol } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || (protocol === 'amqps:' ? 5671 : 5672)) });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

void main();
