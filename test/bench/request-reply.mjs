// Request/reply throughput: one responder process, one requester keeping 100 requests in flight,
// raw amqplib direct reply-to against remit's bus.request/bus.handle (default options), in
// alternating rounds of the same run. `node test/bench/request-reply.mjs [--quick]` runs it alone;
// `pnpm bench` runs it as one section.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import amqplib from 'amqplib';
import { benchChild } from './child.mjs';
import { fmt, median, spread } from './stats.mjs';

const IN_FLIGHT = 100;

async function runOnce(url, mode, count) {
  const id = randomUUID().slice(0, 8);
  const names = {
    queue: `bench.rpc.${id}`,
    service: `bench-rpc-${id}`,
    exchanges: { exchange: `bench.events.${id}`, requestExchange: `bench.requests.${id}`, presenceExchange: `bench.presence.${id}` },
  };
  const responder = benchChild('rpc-responder.mjs', { mode, url, names });
  await responder.next('ready');
  const requester = benchChild('rpc-requester.mjs', { mode, url, names, count, warmup: Math.min(2000, count / 5), inFlight: IN_FLIGHT });
  await requester.next('ready');
  const done = requester.next('done');
  requester.proc.send({ type: 'go' });
  const result = await done;
  await new Promise((resolve) => {
    responder.proc.once('exit', resolve);
    responder.proc.send({ type: 'stop' });
  });
  // remit's queues and exchanges are durable; the bench leaves nothing behind.
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  await channel.deleteQueue(`remit.requests.${names.service}`).catch(() => {});
  for (const exchange of Object.values(names.exchanges)) await channel.deleteExchange(exchange).catch(() => {});
  await connection.close();
  if (result.wrong > 0) throw new Error(`${mode}: ${result.wrong} replies did not match their request`);
  return result;
}


export async function requestReplyBench(quick, url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672') {
  const rounds = quick ? 2 : 5;
  const count = quick ? 10_000 : 30_000;
  console.log(`request/reply, ${IN_FLIGHT} requests in flight, one responder process, ${rounds} rounds of ${fmt(count)} requests`);
  console.log('raw: amqplib channel, direct reply-to (noAck), classic queue, prefetch 100, JSON. remit: bus.request / bus.handle, default options (a quorum request queue); remit, classic: the same with amqp({ requestQueueType: \'classic\' }).');
  console.log('| | raw req/s (min–max) | remit req/s (min–max) | ratio | raw requester CPU µs/req | remit requester CPU µs/req |');
  console.log('|---|---|---|---|---|---|');
  const modes = ['raw', 'remit', 'remit-classic'];
  const results = Object.fromEntries(modes.map((mode) => [mode, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate who goes first, so drift in the machine's load hits all alike.
    for (let i = 0; i < modes.length; i++) {
      const mode = modes[(i + round) % modes.length];
      results[mode].push(await runOnce(url, mode, count));
    }
  }
  const rates = (mode) => results[mode].map((result) => result.rate);
  const span = (mode) => spread(rates(mode));
  const cpu = (mode) => median(results[mode].map((result) => result.cpuMicros)).toFixed(1);
  const ratio = (mode) => median(rates(mode)) / median(rates('raw'));
  console.log(`| 1 responder | ${span('raw')} | ${span('remit')} | ${ratio('remit').toFixed(2)} | ${cpu('raw')} | ${cpu('remit')} |`);
  console.log(`| 1 responder, remit with a classic request queue | ${span('raw')} | ${span('remit-classic')} | ${ratio('remit-classic').toFixed(2)} | ${cpu('raw')} | ${cpu('remit-classic')} |`);
  return { raw: median(rates('raw')), remit: median(rates('remit')), ratio: ratio('remit') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  await requestReplyBench(values.quick);
}
