// `pnpm bench --wire [--quick]` or `node test/bench/wire.mjs [--quick]`: the factorial A/B of the
// wire. Raw amqplib with one thing remit does differently switched on at a time (each message
// property and `remit-*` header of wire format version 1, remit's consumer settings), in rotating
// rounds with raw amqplib itself, remit's whole envelope and remit; per variant the events/s, the
// ratio to raw, and CPU µs per event of the publisher, a consumer and the broker.
import { parseArgs } from 'node:util';
import { broadcastRun, fmt, median } from './broadcast.mjs';
import { ALL_HEADERS, CONSUMER_FACTORS, ENVELOPE } from './wire-factors.mjs';

/** The variants: a label and the children's settings. */
function variants() {
  const list = [{ label: 'raw amqplib', config: { mode: 'raw' } }];
  for (const factor of ENVELOPE) list.push({ label: `+ ${factor}`, config: { mode: 'wire', factors: [factor] } });
  list.push({ label: '+ the four remit-* headers', config: { mode: 'wire', factors: ALL_HEADERS } });
  for (const [factor, settings] of Object.entries(CONSUMER_FACTORS)) list.push({ label: `+ ${factor} (consumer)`, config: { mode: 'raw', ...settings } });
  list.push({ label: `envelope, version 1: all ${ENVELOPE.length} publisher factors`, config: { mode: 'wire', factors: ENVELOPE } });
  list.push({ label: 'envelope, wire format 2: v7 id, plain body, remit-instance only', config: { mode: 'envelope' } });
  list.push({ label: 'remit (default options)', config: { mode: 'remit' } });
  return list;
}

export async function wireBench({ quick, url, consumers = 3 }) {
  const rounds = quick ? 2 : 3;
  const count = quick ? 10_000 : 30_000;
  const list = variants();
  console.log(`wire A/B — ${rounds} rotating rounds of ${fmt(count)} plain events per variant, ${consumers} consumer processes, medians`);
  console.log('raw amqplib: confirm channel, 1000 in flight between waitForConfirms, transient, content type, prefetch 500, an ack per message. Each row adds one thing remit does.\n');
  const results = list.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < list.length; i++) {
      const index = (i + round * 5) % list.length;
      results[index].push(await broadcastRun({ url, consumers, count, payload: 'plain', ...list[index].config }));
    }
  }
  const med = (index, key) => median(results[index].map((r) => r[key]));
  console.log('| variant | ev/s (min–max) | / raw | CPU µs/ev publisher | consumer (each) | broker | broker / raw |');
  console.log('|---|---|---|---|---|---|---|');
  list.forEach(({ label }, index) => {
    const rates = results[index].map((r) => r.rate);
    console.log(
      `| ${label} | ${fmt(med(index, 'rate'))} (${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}) | ${(med(index, 'rate') / med(0, 'rate')).toFixed(2)} | ` +
        `${med(index, 'publisherCpu').toFixed(1)} | ${med(index, 'consumerCpu').toFixed(1)} | ${med(index, 'brokerCpu').toFixed(1)} | ${(med(index, 'brokerCpu') / med(0, 'brokerCpu')).toFixed(2)} |`,
    );
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, consumers: { type: 'string', default: '3' } } });
  await wireBench({ quick: values.quick, url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', consumers: Number(values.consumers) });
}
