// A bench process: forked with its settings in the BENCH environment variable, and every message
// it sends kept, so `next(type)` finds a message whether it came before or after the call.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function benchChild(file, config, execArgv = []) {
  const proc = fork(fileURLToPath(new URL(file, import.meta.url)), {
    execArgv,
    env: { ...process.env, BENCH: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages = [];
  const waiters = [];
  proc.on('message', (message) => {
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.type !== message.type) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  proc.once('exit', (code) => {
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(`${file} exited with ${code} before "${waiter.type}"`));
  });
  return {
    proc,
    messages,
    next: (type) => {
      const found = messages.find((message) => message.type === type);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => waiters.push({ type, resolve, reject }));
    },
  };
}
