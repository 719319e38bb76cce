// One bus instance, run as a child process by main.mjs: `node instance.mjs <name> <service> <run>`.
//
// billing publishes user.created and invoice.paid, and logs every email.sent.
// mailer hears every user.created (broadcast: each mailer instance gets its own copy) and, as the
// group "mailer" ({ group: true }), sends one welcome email per user and one receipt per invoice:
// each of those events is handled by exactly one of the mailer instances.

import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { amqp, createBus } from '@remit/core';
import { ipcTransport } from './ipc-transport.mjs';

/**
 * The event map. Payloads hold a Date, a Set, a Map and BigInts: the default codec (superjson)
 * delivers them as themselves, where plain JSON would give strings or refuse BigInts.
 * @typedef {{
 *   'user.created': { id: string, email: string, at: Date, roles: Set<string> },
 *   'invoice.paid': { id: string, user: string, total: bigint, lines: Map<string, bigint>, paidAt: Date },
 *   'email.sent': { to: string, template: 'welcome' | 'receipt', sentAt: Date },
 * }} Events
 */

const [name, service, run] = process.argv.slice(2);
if (!run || !process.send) {
  console.error('instance.mjs is started by main.mjs: run `pnpm demo` from the repository root.');
  process.exit(2);
}

let started = false;
let stopping = false;
let heard = 0;

/** @type {import('@remit/core').Bus<Events>} */
const bus = createBus({
  service,
  // A stable id names the instance in meta.instance ("from billing-1"). Its broadcast queue then
  // outlives a restart; this short-lived demo needs no more than a second of that.
  instanceId: name,
  instanceQueueExpiresMs: 1000,
  transport: process.env.AMQP_URL
    ? amqp({ url: process.env.AMQP_URL, exchange: 'remit.demo', connectTimeoutMs: 5000 })
    : ipcTransport(),
  onError: (report) => {
    // While connecting, start() retries, then rejects with one message that sums these up.
    if (report.kind === 'transport' && !started) return;
    console.error(`[${name}] ${report.kind} error: ${report.error.message}`);
  },
});

/** Sends a message to main.mjs, unless it is gone (then the 'disconnect' handler below takes over). */
function tell(message, then = () => {}) {
  if (process.connected) process.send(message, then);
}

const show = (value) => inspect(value, { breakLength: Infinity, depth: 4, colors: false });

/** Prints one line per event heard and tells main.mjs, which waits for them before the next step. */
function log(line) {
  heard++;
  // On Linux, writes to a pipe or a terminal are synchronous: the line is out before the IPC note.
  console.log(`[${name}] ${line}`);
  tell({ type: 'heard' });
}

// Every event this run publishes carries its run id. A group queue is durable: events that an
// interrupted earlier run left in it are delivered now. thisRun() acknowledges and skips them.
const thisRunOnly = { headers: { 'demo-run': run } };
const thisRun = (handler) => (payload, meta) => {
  if (meta.headers['demo-run'] === run) return handler(payload, meta);
  console.log(`[${name}] skips ${meta.name} ${meta.id}, left over from an earlier run`);
};

if (service === 'billing') {
  bus.on('user.created', thisRun((user, meta) => log(`heard user.created ${show(user)} from ${meta.instance}`)));
  bus.on('email.sent', thisRun((email, meta) => log(`heard email.sent ${show(email)} from ${meta.instance}`)));
}

if (service === 'mailer') {
  // Stands in for talking to an SMTP server. It also keeps the output tidy: events published back
  // to back reach the group queue before any email.sent does, so the broker deals them out in turn.
  const sendEmail = () => sleep(50);

  // Broadcast (the default): every mailer instance runs this for every user.created.
  bus.on('user.created', thisRun((user, meta) => log(`heard user.created ${show(user)} from ${meta.instance}`)));

  // Group: one instance of the service "mailer" runs these for each event.
  bus.on(
    'user.created',
    thisRun(async (user, meta) => {
      log(`handles user.created ${user.id} for group "mailer" (from ${meta.instance}): sending welcome email`);
      await sendEmail();
      await bus.publish('email.sent', { to: user.email, template: 'welcome', sentAt: new Date() }, thisRunOnly);
    }),
    { group: true },
  );
  bus.on(
    'invoice.paid',
    thisRun(async (invoice, meta) => {
      log(`handles invoice.paid ${show(invoice)} for group "mailer" (from ${meta.instance}): sending receipt`);
      await sendEmail();
      await bus.publish('email.sent', { to: invoice.user, template: 'receipt', sentAt: new Date() }, thisRunOnly);
    }),
    { group: true },
  );
}

/** What main.mjs asks this instance to publish. The events of one step go out back to back. */
const actions = {
  signup: (...users) =>
    Promise.all(
      users.map(([id, email]) =>
        bus.publish('user.created', { id, email, at: new Date(), roles: new Set(['member', 'beta']) }, thisRunOnly),
      ),
    ),
  pay: (...invoices) =>
    Promise.all(
      invoices.map(([id, user, plan, cents]) => {
        const total = BigInt(cents);
        const lines = new Map([
          [plan, (total * 100n) / 120n],
          ['vat 20%', (total * 20n) / 120n],
        ]);
        return bus.publish('invoice.paid', { id, user, total, lines, paidAt: new Date() }, thisRunOnly);
      }),
    ),
};

process.on('message', async (/** @type {any} */ message) => {
  try {
    if (message?.type === 'publish') await actions[message.action](...message.args);
    if (message?.type === 'stop') {
      stopping = true;
      await bus.close();
      // Report, then let go of the IPC channel: with nothing left open, the process exits with 0.
      tell({ type: 'bye', heard, stats: bus.stats() }, () => process.disconnect());
    }
  } catch (error) {
    console.error(`[${name}] failed:`, error);
    process.exit(1);
  }
});

// main.mjs went away without saying stop (killed, crashed): do not linger as an orphan holding a
// RabbitMQ connection. It may have gone while this module was still loading, hence the check.
function onParentGone() {
  if (stopping) return;
  stopping = true;
  console.error(`[${name}] main.mjs is gone; closing.`);
  bus.close({ timeoutMs: 1000 }).finally(() => process.exit(1));
}
process.once('disconnect', onParentGone);
if (!process.connected) onParentGone();

try {
  await bus.start();
  started = true;
} catch (error) {
  console.error(`[${name}] could not start: ${error.message}`);
  process.exit(1);
}
tell({ type: 'ready' });
