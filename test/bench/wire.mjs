// `pnpm bench --wire [--quick]` or `node test/bench/wire.mjs [options]`: the factorial A/B of the
// wire. Raw amqplib with one thing remit does differently switched on at a time (each message
// property and `remit-*` header of wire format version 1, remit's consumer settings), in rotating
// rounds with raw amqplib itself, remit's whole envelope and remit; per variant the events/s, the
// ratio to raw, and CPU µs per event of the publisher, a consumer and the broker.
//
// Options: --quick; --consumers N (default 3); --rounds N and --events N (default 3 and 30,000);
// --warmup N: N events before each measured run, so that both sides are measured warm;
// --rows raw,envelope,remit,… (only these rows, by key; `--rows list` prints the keys);
// --baseline PATH: one more row, remit from another build of @remit/core (PATH is its
// dist/index.js, e.g. a copy of packages/core/dist from an earlier commit), to compare two builds
// in the same rounds.
import { parseArgs } from 'node:util';
import { broadcastRun } from './broadcast.mjs';
import { fmt, median, spread } from './stats.mjs';
import { ALL_HEADERS, CONSUMER_FACTORS, ENVELOPE } from './wire-factors.mjs';

/** The variants: a key (for --rows), a label and the children's settings. */
function variants(baseline) {
  const slug = (text) => text.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
  const list = [{ key: 'raw', label: 'raw amqplib', config: { mode: 'raw' } }];
  for (const factor of ENVELOPE) list.push({ key: slug(factor), label: `+ ${factor}`, config: { mode: 'wire', factors: [factor] } });
  list.push({ key: 'all-headers', label: '+ the four remit-* headers', config: { mode: 'wire', factors: ALL_HEADERS } });
  for (const [factor, settings] of Object.entries(CONSUMER_FACTORS)) list.push({ key: slug(factor), label: `+ ${factor} (consumer)`, config: { mode: 'raw', ...settings } });
  list.push({ key: 'envelope-v1', label: `envelope, version 1: all ${ENVELOPE.length} publisher factors`, config: { mode: 'wire', factors: ENVELOPE } });
  list.push({ key: 'envelope', label: 'envelope, wire format 2: v7 id, plain body, remit-instance only', config: { mode: 'envelope' } });
  list.push({ key: 'envelope-no-header', label: 'envelope, wire format 2 without remit-instance (no header table)', config: { mode: 'envelope', noHeader: true } });
  list.push({ key: 'envelope-remit-acks', label: "envelope, consumed with remit's settings (prefetch 250, batched acks)", config: { mode: 'envelope', prefetch: 250, batchedAcks: true } });
  list.push({ key: 'remit-publisher', label: "remit publisher → raw consumer with remit's settings", config: { mode: 'remit', consumerMode: 'raw', prefetch: 250, batchedAcks: true } });
  list.push({ key: 'remit-consumer', label: 'envelope (raw publisher) → remit consumer', config: { mode: 'envelope', consumerMode: 'remit' } });
  list.push({ key: 'remit', label: 'remit (default options)', config: { mode: 'remit' } });
  list.push({ key: 'remit-prefetch-100', label: 'remit, prefetch 100 (the default until 2026-12-05)', config: { mode: 'remit', remitPrefetch: 100 } });
  list.push({ key: 'remit-prefetch-500', label: 'remit, prefetch 500', config: { mode: 'remit', remitPrefetch: 500 } });
  if (baseline) list.push({ key: 'baseline', label: `remit, baseline build (${baseline})`, config: { mode: 'remit', core: baseline } });
  return list;
}

export async function wireBench({ quick, url, consumers = 3, rounds = quick ? 2 : 3, count = quick ? 10_000 : 30_000, warmup = 0, rows, baseline }) {
  const all = variants(baseline);
  const list = rows ? rows.map((key) => all.find((variant) => variant.key === key) ?? fail(`no row "${key}"; rows: ${all.map((v) => v.key).join(', ')}`)) : all;
  if (list[0]?.key !== 'raw') list.unshift(all[0]);
  const warm = warmup > 0 ? `, each after ${fmt(warmup)} warm-up events` : '';
  console.log(`wire A/B — ${rounds} rotating rounds of ${fmt(count)} plain events per variant${warm}, ${consumers} consumer processes, medians`);
  console.log('raw amqplib: confirm channel, 1000 in flight between waitForConfirms, transient, content type, prefetch 500, an ack per message. Each row adds one thing remit does.\n');
  const results = list.map(() => []);
  // Each round starts one row further on (by a step coprime with the row count, so that every
  // row runs at every position over enough rounds).
  const step = list.length % 5 === 0 ? 1 : 5;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < list.length; i++) {
      const index = (i + round * step) % list.length;
      results[index].push(await broadcastRun({ url, consumers, count, warmup, payload: 'plain', ...list[index].config }));
    }
  }
  const med = (index, key) => median(results[index].map((r) => r[key]));
  console.log('| variant | ev/s (min–max) | / raw | CPU µs/ev publisher | consumer (each) | broker | broker / raw |');
  console.log('|---|---|---|---|---|---|---|');
  list.forEach(({ label }, index) => {
    console.log(
      `| ${label} | ${spread(results[index].map((r) => r.rate))} | ${(med(index, 'rate') / med(0, 'rate')).toFixed(2)} | ` +
        `${med(index, 'publisherCpu').toFixed(1)} | ${med(index, 'consumerCpu').toFixed(1)} | ${med(index, 'brokerCpu').toFixed(1)} | ${(med(index, 'brokerCpu') / med(0, 'brokerCpu')).toFixed(2)} |`,
    );
  });
}

function fail(message) {
  throw new Error(message);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      consumers: { type: 'string', default: '3' },
      rounds: { type: 'string' },
      events: { type: 'string' },
      warmup: { type: 'string' },
      rows: { type: 'string' },
      baseline: { type: 'string' },
    },
  });
  if (values.rows === 'list') {
    for (const { key, label } of variants(values.baseline)) console.log(`${key.padEnd(34)} ${label}`);
    process.exit(0);
  }
  await wireBench({
    quick: values.quick,
    url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    consumers: Number(values.consumers),
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    ...(values.events ? { count: Number(values.events) } : {}),
    ...(values.warmup ? { warmup: Number(values.warmup) } : {}),
    ...(values.rows ? { rows: values.rows.split(',') } : {}),
    ...(values.baseline ? { baseline: values.baseline } : {}),
  });
}
