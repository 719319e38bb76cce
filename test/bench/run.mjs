// `pnpm bench [--quick]`: remit against raw amqplib, in interleaved rounds of the same run, on
// the broker at AMQP_URL. Prints medians with min–max and the remit/raw ratio. Not a test: the
// machine is shared, so only ratios from one run mean much.
import { parseArgs } from 'node:util';
import { broadcastRun } from './broadcast.mjs';
import { codecBench } from './codec.mjs';
import { memoryBench } from './memory.mjs';
import { requestReplyBench } from './request-reply.mjs';
import { outboxBench } from './outbox.mjs';
import { routingBench } from './routing.mjs';
import { fmt, median, percentile, spread } from './stats.mjs';
import { wireBench } from './wire.mjs';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, routing: { type: 'boolean', default: false }, wire: { type: 'boolean', default: false } } });
const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
// `--routing`: the routing section alone (fanout against topic as consumer instances grow).
if (args.routing) {
  await routingBench(args.quick, url);
  process.exit(0);
}
// `--wire`: the factorial A/B of the wire format and consumer settings alone.
if (args.wire) {
  await wireBench({ quick: args.quick, url });
  process.exit(0);
}
const ROUNDS = args.quick ? 2 : 5;
const COUNT = args.quick ? 5_000 : 30_000;
const runOnce = (options) => broadcastRun({ url, ...options });
const pct = percentile;
/** Per-process CPU of the plain rows, printed after the throughput table. */
const perProcess = [];

console.log(`remit vs raw amqplib — ${ROUNDS} rounds of ${fmt(COUNT)} events, broker at ${new URL(url).host}, node ${process.version}`);
console.log('raw: confirm channel, 1000 in flight between waitForConfirms, prefetch 500, manual acks, JSON. remit: default options, 1000 publishes in flight.');
console.log("envelope: raw amqplib again, sending remit's exact wire message (docs/wire-format.md, version 2), so raw→envelope is what the wire format costs and envelope→remit what remit's code costs.\n");
console.log('| consumers | payload | raw ev/s (min–max) | envelope ev/s | remit ev/s (min–max) | remit / raw | remit / envelope | CPU µs/ev raw · envelope · remit |');
console.log('|---|---|---|---|---|---|---|---|');
const MODES = ['raw', 'envelope', 'remit'];
for (const consumers of [1, 3]) {
  for (const payload of ['plain', 'rich']) {
    const results = { raw: [], envelope: [], remit: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate who goes first, so drift in the machine's load hits every mode alike.
      const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]);
      for (const mode of order) results[mode].push(await runOnce({ mode, consumers, payload, count: COUNT }));
    }
    const rates = (mode) => results[mode].map((r) => r.rate);
    const cpu = (mode) => median(results[mode].map((r) => r.cpuPerEvent)).toFixed(1);
    const span = (mode) => spread(rates(mode));
    const ratio = (a, b) => (median(rates(a)) / median(rates(b))).toFixed(2);
    const each = (mode, key) => median(results[mode].map((r) => r[key])).toFixed(1);
    if (payload === 'plain') for (const mode of MODES) perProcess.push(`| ${consumers} | ${mode} | ${each(mode, 'publisherCpu')} | ${each(mode, 'consumerCpu')} | ${each(mode, 'brokerCpu')} |`);
    console.log(
      `| ${consumers} | ${payload} | ${span('raw')} | ${fmt(median(rates('envelope')))} | ${span('remit')} | ${ratio('remit', 'raw')} | ${ratio('remit', 'envelope')} | ${cpu('raw')} · ${cpu('envelope')} · ${cpu('remit')} |`,
    );
  }
}

console.log('\nCPU µs per event, plain payload, per process (medians; the broker read from /proc)');
console.log('| consumers | mode | publisher | consumer (each) | broker |');
console.log('|---|---|---|---|---|');
for (const row of perProcess) console.log(row);

// The same, measured warm: a process's first seconds include V8 compiling its hot paths, which
// costs remit's longer path more than raw amqplib's; a service that runs for hours pays it once.
const WARMUP = args.quick ? 5_000 : 15_000;
console.log(`\nsteady state — the same plain runs, each measured after ${fmt(WARMUP)} warm-up events (${ROUNDS} rounds)`);
console.log('| consumers | raw ev/s (min–max) | remit ev/s (min–max) | remit / raw | CPU µs/ev publisher · consumer · broker, raw | remit |');
console.log('|---|---|---|---|---|---|');
for (const consumers of [1, 3]) {
  const results = { raw: [], remit: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 ? ['remit', 'raw'] : ['raw', 'remit']) results[mode].push(await runOnce({ mode, consumers, payload: 'plain', count: COUNT, warmup: WARMUP }));
  }
  const rates = (mode) => results[mode].map((r) => r.rate);
  const span = (mode) => spread(rates(mode));
  const each = (mode) => ['publisherCpu', 'consumerCpu', 'brokerCpu'].map((key) => median(results[mode].map((r) => r[key])).toFixed(1)).join(' · ');
  console.log(`| ${consumers} | ${span('raw')} | ${span('remit')} | ${(median(rates('remit')) / median(rates('raw'))).toFixed(2)} | ${each('raw')} | ${each('remit')} |`);
}

// Latency at a fixed rate: 1,000 ev/s for 10 s (2 s with --quick), 3 consumers, plain payload,
// after 10 s (5 s) at that rate to warm up: at 1,000 ev/s V8 takes seconds to compile the hot paths.
const latencyCount = args.quick ? 2_000 : 10_000;
const latencyWarmup = args.quick ? 5_000 : 10_000;
console.log(`\nlatency, publish → handler, 1,000 ev/s, 3 consumers, plain payload, ${fmt(latencyCount)} events after ${fmt(latencyWarmup)} to warm up`);
console.log('| | p50 ms | p99 ms | max ms |');
console.log('|---|---|---|---|');
const latency = {};
for (const mode of ['raw', 'remit']) {
  const { latencies } = await runOnce({ mode, consumers: 3, payload: 'plain', count: latencyCount, warmup: latencyWarmup, rate: 1000 });
  latency[mode] = latencies;
  console.log(`| ${mode} | ${pct(latencies, 50).toFixed(2)} | ${pct(latencies, 99).toFixed(2)} | ${Math.max(...latencies).toFixed(2)} |`);
}
console.log(`p99 difference remit − raw: ${(pct(latency.remit, 99) - pct(latency.raw, 99)).toFixed(2)} ms`);

console.log('');
await codecBench(args.quick);

console.log('');
await requestReplyBench(args.quick, url);

console.log('');
await outboxBench({ quick: args.quick, url });

console.log('');
await memoryBench({ quick: args.quick, url });

// Long (8 consumer processes): in the full run only; `pnpm bench --routing --quick` for a short one.
if (!args.quick) {
  console.log('');
  await routingBench(false, url);
}
