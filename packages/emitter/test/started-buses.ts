import { type Bus, createBus, memory, type MemoryBroker } from '@remit/core';
import { afterEach } from 'vitest';

/** A maker of started buses on a memory broker, each closed after the test. Call it at the top of a test file. */
export function startedBuses<E extends object>(service: string) {
  const open: Bus<E>[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((bus) => bus.close()));
  });
  return async function startedBus(broker: MemoryBroker, instanceId: string): Promise<Bus<E>> {
    const bus = createBus<E>({ service, instanceId, transport: memory(broker) });
    open.push(bus);
    await bus.start();
    return bus;
  };
}

/** Resolves with `seen` once it holds `count` entries; fails after 5 s saying how many arrived. */
export async function until<T>(seen: T[], count: number): Promise<T[]> {
  for (let waited = 0; seen.length < count; waited += 5) {
    if (waited > 5000) throw new Error(`saw ${seen.length} of ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return seen;
}
