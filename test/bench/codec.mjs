// Encode + decode cost per event: remit's default codec, plain JSON and bare superjson.
import { SuperjsonCodec } from '@remit/core';
import { SuperJSON } from 'superjson';
import { payloads } from './payloads.mjs';

function nsPerOp(work, iterations) {
  for (let i = 0; i < Math.min(iterations, 5_000); i++) work(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) work(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

export async function codecBench(quick) {
  const iterations = quick ? 20_000 : 200_000;
  const superjson = new SuperJSON();
  console.log(`codec, encode + decode, ns per event (${iterations.toLocaleString('en-US')} iterations)`);
  console.log('| payload | JSON.stringify+parse | bare superjson | default codec | default / JSON | default / superjson |');
  console.log('|---|---|---|---|---|---|');
  // The default codec of every bus.
  const codec = new SuperjsonCodec();
  for (const [name, make] of Object.entries(payloads)) {
    const samples = Array.from({ length: 1000 }, (_, i) => make(i));
    // For the rich payload this is a floor, not a fair rival: JSON cannot carry its types at all.
    const toJson = (value) => JSON.stringify(value, (_key, field) => (typeof field === 'bigint' ? field.toString() : field));
    const json = nsPerOp((i) => JSON.parse(toJson(samples[i % 1000])), iterations);
    const bare = nsPerOp((i) => superjson.parse(superjson.stringify(samples[i % 1000])), iterations);
    const remit = nsPerOp((i) => codec.decode(codec.encode(samples[i % 1000])), iterations);
    const jsonCell = name === 'plain' ? json.toFixed(0) : 'n/a (loses types)';
    console.log(`| ${name} | ${jsonCell} | ${bare.toFixed(0)} | ${remit.toFixed(0)} | ${name === 'plain' ? (remit / json).toFixed(2) : '—'} | ${(remit / bare).toFixed(2)} |`);
  }
}
