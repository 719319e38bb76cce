// Starts the two instances: `a` takes orders over HTTP, `b` invoices them. Ctrl+C stops both.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('./server.mjs', import.meta.url));
const instances = {
  a: { ROLE: 'orders', PORT: process.env.PORT_A ?? '3011' },
  b: { ROLE: 'invoicing', PORT: process.env.PORT_B ?? '3012' },
};

const children = Object.entries(instances).map(([name, env]) => fork(server, { env: { ...process.env, ...env, INSTANCE_NAME: name } }));

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
    // One instance failing (no broker, no database) stops the other: the example needs both.
    stop('SIGTERM');
    if (exited === children.length) process.exit(failed ? 1 : 0);
  });
}
