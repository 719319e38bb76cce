// Starts two instances of server.mjs, a and b, on two ports, and stops both on Ctrl+C.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('./server.mjs', import.meta.url));
const ports = { a: process.env.PORT_A ?? '3001', b: process.env.PORT_B ?? '3002' };

const children = Object.entries(ports).map(([name, port]) =>
  fork(server, { env: { ...process.env, INSTANCE_NAME: name, PORT: port } }),
);

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill(signal);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

let exited = 0;
let failed = false;
for (const child of children) {
  child.on('exit', (code) => {
    exited += 1;
    if (code !== 0) failed = true;
    // One instance failing (e.g. no broker) stops the other: the example needs both.
    stop('SIGTERM');
    if (exited === children.length) process.exit(failed ? 1 : 0);
  });
}
