// Per-consumer cost as instances grow: 1, 2, 4 and 8 consumer instances (processes), each handling
// one event kind out of 8 equally busy kinds, under fanout routing (every instance receives all 8
// kinds and drops 7) and topic routing (each receives its own kind only). Prints, per instance, the
// events it received per second and its CPU µs per handled event, and the broker's deliveries and
// CPU. `node test/bench/routing.mjs [--quick]` or `pnpm bench --routing [--quick]` runs it alone.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import amqplib from 'amqplib';
import { brokerPid, processCpuMs } from './broadcast.mjs';
import { median } from './stats.mjs';
import { benchChild } from './child.mjs';

const KINDS = Array.from({ length: 8 }, (_, index) => `bench.kind${index}`);

async function runOnce({ url, routing, instances, rate, seconds }) {
  const id = randomUUID().slice(0, 8);
  const names = { exchange: `bench.routing.${routing}.${id}`, presenceExchange: `bench.presence.${id}`, requestExchange: `bench.requests.${id}` };
  const count = rate * seconds;
  const perKind = count / KINDS.length;
  const consumers = KINDS.slice(0, instances).map((kind) =>
    benchChild('routing-consumer.mjs', { url, names, routing, kind, expectedHandled: perKind, expectedReceived: routing === 'topic' ? perKind : count }),
  );
  await Promise.all(consumers.map((consumer) => consumer.next('ready')));
  const publisher = benchChild('routing-publisher.mjs', { url, names, routing, kinds: KINDS, count, rate });
  await publisher.next('ready');
  const broker = brokerPid(url);
  const brokerBefore = processCpuMs(broker);
  publisher.proc.send({ type: 'go' });
  await publisher.next('done');
  const done = await Promise.all(consumers.map((consumer) => consumer.next('done')));
  const brokerMs = processCpuMs(broker) - brokerBefore;
  await Promise.all(consumers.map((consumer) => new Promise((resolve) => {
    consumer.proc.once('exit', resolve);
    consumer.proc.send({ type: 'stop' });
  })));
  // Group-less buses leave only exchanges behind.
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  for (const exchange of Object.values(names)) await channel.deleteExchange(exchange).catch(() => {});
  await connection.close();
  const perInstance = done.map((d) => ({
    receivedPerSecond: d.received / (d.ms / 1000),
    cpuPerHandled: (d.cpu.user + d.cpu.system) / d.handled,
    // CPU time per wall time, in % of one core.
    cpuShare: ((d.cpu.user + d.cpu.system) / 1000 / d.ms) * 100,
  }));
  return {
    receivedPerSecond: mean(perInstance.map((p) => p.receivedPerSecond)),
    cpuPerHandled: mean(perInstance.map((p) => p.cpuPerHandled)),
    cpuShare: mean(perInstance.map((p) => p.cpuShare)),
    deliveredPerSecond: perInstance.reduce((sum, p) => sum + p.receivedPerSecond, 0),
    brokerPerPublished: (brokerMs * 1000) / count,
  };
}

const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

export async function routingBench(quick, url) {
  const rate = 800;
  const seconds = quick ? 3 : 8;
  const counts = quick ? [1, 8] : [1, 2, 4, 8];
  const rounds = quick ? 1 : 2;
  console.log(
    `routing: N consumer instances, each handling 1 of 8 equally busy event kinds; one publisher at ${fmt(rate)} ev/s ` +
      `(${fmt(rate / 8)}/s per kind) for ${seconds} s; ${rounds} round(s), medians`,
  );
  console.log(
    '| instances | routing | received ev/s per instance | CPU µs per handled event (per instance) | CPU per instance (% of a core) | delivered ev/s (all instances) | broker CPU µs per published event |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const instances of counts) {
    const results = { fanout: [], topic: [] };
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first, so drift in the machine's load hits both alike.
      for (const routing of round % 2 === 0 ? ['fanout', 'topic'] : ['topic', 'fanout']) {
        results[routing].push(await runOnce({ url, routing, instances, rate, seconds }));
      }
    }
    for (const routing of ['fanout', 'topic']) {
      const of = (key) => median(results[routing].map((result) => result[key]));
      console.log(
        `| ${instances} | ${routing} | ${fmt(of('receivedPerSecond'))} | ${of('cpuPerHandled').toFixed(0)} | ${of('cpuShare').toFixed(1)} | ` +
          `${fmt(of('deliveredPerSecond'))} | ${of('brokerPerPublished').toFixed(0)} |`,
      );
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  await routingBench(values.quick, process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
}
