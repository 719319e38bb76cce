// remit demo: three bus instances in three processes (billing-1, mailer-1, mailer-2).
// `pnpm demo` from the repository root; with AMQP_URL set, the instances meet on RabbitMQ,
// otherwise on an in-memory broker that this process hosts for them over IPC.

import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { maskUrl, memoryBroker } from '@remit/core';
import { hostIpcBroker } from './ipc-broker-host.mjs';

const INSTANCES = [
  { name: 'billing-1', service: 'billing' },
  { name: 'mailer-1', service: 'mailer' },
  { name: 'mailer-2', service: 'mailer' },
];

// The story, one step at a time. `heard` is how many lines the step makes across all instances;
// the next step starts only when they are all in, so the output reads top to bottom.
//   signup u1: billing-1 (its own handler, run locally), mailer-1 and mailer-2 hear user.created;
//              one mailer handles it for the group and sends email.sent, which billing-1 hears = 5
//   pay ×2:    two invoice.paid back to back: the group shares them out, one per mailer (usually;
//              the broker decides), and billing-1 hears both email.sent = 4
const STEPS = [
  {
    title: 'billing-1 publishes user.created u1',
    by: 'billing-1',
    action: 'signup',
    args: [['u1', 'ada@example.com']],
    heard: 5,
  },
  {
    title: 'billing-1 publishes invoice.paid inv-1 and inv-2, back to back',
    by: 'billing-1',
    action: 'pay',
    args: [
      ['inv-1', 'ada@example.com', 'pro plan', 4_800],
      ['inv-2', 'grace@example.com', 'team plan', 12_000],
    ],
    heard: 4,
  },
];
const STEP_TIMEOUT_MS = 10_000;
const DEMO_TIMEOUT_MS = 30_000;

const amqpUrl = process.env.AMQP_URL;
console.log(
  amqpUrl
    ? `transport: RabbitMQ at ${maskUrl(amqpUrl)} (exchange remit.demo)`
    : 'transport: embedded memory broker (set AMQP_URL to use RabbitMQ)',
);
// Without RabbitMQ the children share this broker; each one reaches it through its IPC channel.
const broker = amqpUrl ? null : memoryBroker();

const children = new Map();
let heardSoFar = 0;
let onHeard = () => {};
let failed = false;
// Aborted on failure, so a step or a wait does not sit out its timeout once a child has died.
const failure = new AbortController();

function fail(reason) {
  if (failed) return;
  failed = true;
  console.error(`demo failed: ${reason}`);
  for (const child of children.values()) if (child.exitCode === null) child.kill();
  process.exitCode = 1;
  failure.abort(new Error(reason));
}

/** `promise`, or a rejection as soon as the demo has failed. */
function unlessFailed(promise) {
  const { signal } = failure;
  if (signal.aborted) return Promise.reject(signal.reason);
  return Promise.race([
    promise,
    new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
  ]);
}

// Never hang: if something is still open long after the story should have ended, say so and stop.
setTimeout(() => fail(`not finished after ${DEMO_TIMEOUT_MS / 1000} s`), DEMO_TIMEOUT_MS).unref();

/** Resolves with the next message of `type` from `child`. */
function nextMessage(child, type) {
  return new Promise((resolve) => {
    const listener = (/** @type {any} */ message) => {
      if (message?.type !== type) return;
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
  });
}

function waitForHeard(total) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`expected ${total} events heard, got ${heardSoFar}`)), STEP_TIMEOUT_MS);
    // The children keep this process alive while they run; once they are gone, so is the need to wait.
    timer.unref();
    onHeard = () => {
      if (heardSoFar < total) return;
      clearTimeout(timer);
      resolve();
    };
    onHeard();
  });
}

async function main() {
  const instancePath = fileURLToPath(new URL('./instance.mjs', import.meta.url));
  // Tags this run's events, so leftovers of an interrupted run (in RabbitMQ's durable group queue) are told apart.
  const runId = randomUUID().slice(0, 8);
  const exited = [];
  for (const { name, service } of INSTANCES) {
    const child = fork(instancePath, [name, service, runId]);
    children.set(name, child);
    if (broker) hostIpcBroker(broker, child);
    child.on('message', (/** @type {any} */ message) => {
      if (message?.type !== 'heard') return;
      heardSoFar++;
      onHeard();
    });
    exited.push(
      new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          if (code !== 0) fail(`${name} exited with ${signal ?? `code ${code}`}`);
          resolve();
        }),
      ),
    );
  }

  // Nobody publishes until every instance is connected and consuming: then no event is missed.
  await unlessFailed(Promise.all([...children.values()].map((child) => nextMessage(child, 'ready'))));
  console.log(`${INSTANCES.map((instance) => instance.name).join(', ')} are up; go.\n`);

  let expected = 0;
  for (const step of STEPS) {
    console.log(`── ${step.title}`);
    expected += step.heard;
    children.get(step.by).send({ type: 'publish', action: step.action, args: step.args });
    await unlessFailed(waitForHeard(expected));
    console.log();
  }

  // Everyone closes its bus and reports; the demo ends when every process has exited.
  const byes = [...children.values()].map((child) => nextMessage(child, 'bye'));
  for (const child of children.values()) child.send({ type: 'stop' });
  const reports = await unlessFailed(Promise.all(byes));
  await unlessFailed(Promise.all(exited));

  console.log('summary:');
  INSTANCES.forEach(({ name }, index) => {
    const { heard, stats } = reports[index];
    console.log(`  ${name.padEnd(10)} heard ${heard} events, published ${stats.published}`);
  });
  const total = reports.reduce((sum, report) => sum + report.heard, 0);
  console.log(`  total      ${total} heard (expected ${expected}); all ${INSTANCES.length} processes exited with code 0`);
  if (total !== expected) fail(`${total} events heard, expected ${expected}`);
}

main().catch((error) => fail(error.message));
