import { type Bus, createBus, memory } from '@remit/core';
import { describe, expectTypeOf, it } from 'vitest';
import { testHarness, type TrackedSession } from '../src/index.js';

type Events = { 'order.placed': { id: string } };

describe('publishAndWait types', () => {
  it('checks the event name and payload against the bus event map', () => {
    const bus: Bus<Events> = createBus<Events>({ service: 'shop', transport: memory() });
    const h = testHarness([bus]);
    expectTypeOf(h.publishAndWait(bus, 'order.placed', { id: '1' })).toEqualTypeOf<Promise<TrackedSession>>();
    // @ts-expect-error an unknown event
    void h.publishAndWait(bus, 'order.cancelled', { id: '1' });
    // @ts-expect-error a payload of the wrong shape
    void h.publishAndWait(bus, 'order.placed', { id: 1 });
    expectTypeOf(h.track(() => 42)).toEqualTypeOf<Promise<TrackedSession & { result: number }>>();
  });
});
