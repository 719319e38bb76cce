// One broadcast run of the bench: a publisher process and C consumer processes on a fanout
// exchange of its own, with events/s from the first publish to the last receive at the slowest
// consumer, and CPU per event of each process (the broker's read from /proc).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import amqplib from 'amqplib';
import { benchChild } from './child.mjs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * The process of the broker at `url` when it runs on this machine: the one listening on its port
 * (`ss`), else RabbitMQ's beam.smp; undefined when neither is found (then broker CPU reads 0).
 */
export function brokerPid(url) {
  const { port, protocol } = new URL(url);
  const listening = (() => {
    try {
      return execFileSync('ss', ['-ltnpH', `sport = :${port || (protocol === 'amqps:' ? 5671 : 5672)}`], { encoding: 'utf8' });
    } catch {
      return '';
    }
  })();
  const pid = /pid=(\d+)/.exec(listening)?.[1];
  if (pid) return Number(pid);
  try {
    return Number(execFileSync('pgrep', ['-u', 'rabbitmq', '-x', 'beam.smp'], { encoding: 'utf8' }).trim().split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU ms a process has used, from /proc (0 when it is not here). */
export function processCpuMs(pid) {
  if (!pid) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
}

let warned = false;
function warnNoBroker(url) {
  if (warned) return;
  warned = true;
  console.warn(`(no broker process for ${new URL(url).host} on this machine: broker CPU reads 0)`);
}

const cpuMicros = ({ user, system }) => user + system;

/**
 * One run. `config` goes to both children (publisher.mjs and consumer.mjs: mode, payload, rate,
 * factors, prefetch, batchedAcks; `publisherMode` or `consumerMode` overrides `mode` for one
 * side). Returns events/s, CPU µs per event — total, publisher, consumer (average of the C),
 * broker — and every publish → handler latency. CPU counts from `ready` to `done`, so neither
 * start-up nor shut-down is in it; with `warmup`, that many events go first, at the same rate,
 * and everything is counted from when all processes have handled them (steady state: V8 has
 * compiled the hot paths of both sides).
 */
export async function broadcastRun({ url, consumers, count, warmup = 0, ...config }) {
  const exchange = `bench.${randomUUID().slice(0, 8)}`;
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'fanout', { durable: true });
  const { publisherMode = config.mode, consumerMode = config.mode } = config;
  const settings = { ...config, url, exchange, expected: warmup + count, count, warmup };
  const consumerProcs = Array.from({ length: consumers }, () => benchChild('consumer.mjs', { ...settings, mode: consumerMode }));
  let ready = await Promise.all(consumerProcs.map((c) => c.next('ready')));
  const publisher = benchChild('publisher.mjs', { ...settings, mode: publisherMode });
  let publisherReady = await publisher.next('ready');
  const broker = brokerPid(url);
  if (!broker) warnNoBroker(url);
  let brokerBefore = processCpuMs(broker);
  publisher.proc.send({ type: 'go' });
  if (warmup > 0) {
    // Measured from here: every process has handled the warm-up events.
    [publisherReady, ...ready] = await Promise.all([publisher.next('warm'), ...consumerProcs.map((c) => c.next('warm'))]);
    brokerBefore = processCpuMs(broker);
    publisher.proc.send({ type: 'go' });
  }
  const [published, ...done] = await Promise.all([publisher.next('done'), ...consumerProcs.map((c) => c.next('done'))]);
  const brokerMs = processCpuMs(broker) - brokerBefore;
  const last = Math.max(...done.map((d) => d.last));
  const seconds = (last - published.first) / 1000;
  const publisherCpu = cpuMicros(published.cpu) - cpuMicros(publisherReady.cpu);
  const consumerCpu = done.reduce((sum, d, i) => sum + cpuMicros(d.cpu) - cpuMicros(ready[i].cpu), 0);
  await Promise.all(consumerProcs.map((c) => new Promise((resolve) => { c.proc.once('exit', resolve); c.proc.send({ type: 'stop' }); })));
  await channel.deleteExchange(exchange).catch(() => {});
  await connection.close();
  return {
    rate: count / seconds,
    cpuPerEvent: (publisherCpu + consumerCpu + brokerMs * 1000) / count,
    publisherCpu: publisherCpu / count,
    consumerCpu: consumerCpu / consumers / count,
    brokerCpu: (brokerMs * 1000) / count,
    latencies: done.flatMap((d) => d.latencies),
  };
}

