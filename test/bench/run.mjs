// `pnpm bench [--quick]`: remit against raw amqplib, in interleaved rounds of the same run, on
// the broker at AMQP_URL. Prints medians with min–max and the remit/raw ratio. Not a test: the
// machine is shared, so only ratios from one run mean much.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import amqplib from 'amqplib';
import { codecBench } from './codec.mjs';
import { memoryBench } from './memory.mjs';
import { requestReplyBench } from './request-reply.mjs';
import { outboxBench } from './outbox.mjs';
import { benchChild } from './child.mjs';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const ROUNDS = args.quick ? 2 : 5;
const COUNT = args.quick ? 5_000 : 30_000;
const CLOCK_TICKS = 100; // USER_HZ on Linux

function brokerPid() {
  try {
    return execFileSync('pgrep', ['-f', 'beam.smp.*-sname rabbit@localhost|beam.smp.*rabbit@localhost'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number)[0];
  } catch {
    return undefined;
  }
}

function processCpuMs(pid) {
  if (!pid) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
}

const cpuMicros = ({ user, system }) => user + system;

/** One run: C consumers and a publisher; returns events/s, CPU µs per event and latencies. */
async function runOnce({ mode, consumers, payload, count, rate }) {
  const exchange = `bench.${randomUUID().slice(0, 8)}`;
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'fanout', { durable: true });
  const config = { mode, url, exchange, expected: count, count, payload, rate };
  const consumerProcs = Array.from({ length: consumers }, () => benchChild('consumer.mjs', config));
  const ready = await Promise.all(consumerProcs.map((c) => c.next('ready')));
  const publisher = benchChild('publisher.mjs', config);
  await publisher.next('ready');
  const broker = brokerPid();
  const brokerBefore = processCpuMs(broker);
  publisher.proc.send({ type: 'go' });
  const [published, ...done] = await Promise.all([publisher.next('done'), ...consumerProcs.map((c) => c.next('done'))]);
  const brokerMs = processCpuMs(broker) - brokerBefore;
  const last = Math.max(...done.map((d) => d.last));
  const seconds = (last - published.first) / 1000;
  const consumerCpu = done.reduce((sum, d, i) => sum + cpuMicros(d.cpu) - cpuMicros(ready[i].cpu), 0);
  const cpuPerEvent = (cpuMicros(published.cpu) + consumerCpu + brokerMs * 1000) / count;
  await Promise.all(consumerProcs.map((c) => new Promise((resolve) => { c.proc.once('exit', resolve); c.proc.send({ type: 'stop' }); })));
  await channel.deleteExchange(exchange).catch(() => {});
  await connection.close();
  return { rate: count / seconds, cpuPerEvent, latencies: done.flatMap((d) => d.latencies) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const pct = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

console.log(`remit vs raw amqplib — ${ROUNDS} rounds of ${fmt(COUNT)} events, broker at ${new URL(url).host}, node ${process.version}`);
console.log('raw: confirm channel, 1000 in flight between waitForConfirms, prefetch 500, manual acks, JSON. remit: default options, 1000 publishes in flight.');
console.log("envelope: raw amqplib again, sending remit's exact wire message (docs/wire-format.md), so raw→envelope is what the wire format costs and envelope→remit what remit's code costs.\n");
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
    const span = (mode) => `${fmt(median(rates(mode)))} (${fmt(Math.min(...rates(mode)))}–${fmt(Math.max(...rates(mode)))})`;
    const ratio = (a, b) => (median(rates(a)) / median(rates(b))).toFixed(2);
    console.log(
      `| ${consumers} | ${payload} | ${span('raw')} | ${fmt(median(rates('envelope')))} | ${span('remit')} | ${ratio('remit', 'raw')} | ${ratio('remit', 'envelope')} | ${cpu('raw')} · ${cpu('envelope')} · ${cpu('remit')} |`,
    );
  }
}

// Latency at a fixed rate: 1,000 ev/s for 10 s (2 s with --quick), 3 consumers, plain payload.
const latencyCount = args.quick ? 2_000 : 10_000;
console.log(`\nlatency, publish → handler, 1,000 ev/s, 3 consumers, plain payload, ${fmt(latencyCount)} events`);
console.log('| | p50 ms | p99 ms | max ms |');
console.log('|---|---|---|---|');
const latency = {};
for (const mode of ['raw', 'remit']) {
  const { latencies } = await runOnce({ mode, consumers: 3, payload: 'plain', count: latencyCount, rate: 1000 });
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
