import { createBus, memory } from '@remit/core';
import { describe, expectTypeOf, it } from 'vitest';
import { eventStream, health, metrics, remit } from '../src/index.js';

// A Standard Schema whose input and output differ (a string in, a Date out), as a zod
// `z.string().transform(…)` is; written by hand so this package needs no schema library.
const dateFromText = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value: unknown) => ({ value: new Date(String(value)) }),
    types: { input: '' as string, output: new Date(0) },
  },
} as const;

const bus = createBus({ service: 's', transport: memory(), schemas: { 'user.seen': dateFromText } });

describe('a bus typed by schemas that transform', () => {
  it('is taken by every Express adapter as it is', () => {
    expectTypeOf(bus.publish<'user.seen'>).parameter(1).toEqualTypeOf<string>();
    metrics(bus);
    health(bus);
    eventStream(bus, { events: ['user.seen'] });
    remit(bus);
  });
});
