import { ConfigError } from '../errors.js';
import type { BroadcastConsumer } from '../events/broadcast-consumer.js';
import type { GroupConsumers } from '../events/group-consumers.js';
import type { BusObserver, Observation, ObservedQueue } from './bus-activity.js';
import type { Observers } from './observers.js';

export interface ObservationDeps {
  observers: Observers;
  broadcast: Pick<BroadcastConsumer, 'consuming'>;
  groups: Pick<GroupConsumers, 'consuming'>;
}

/** `bus.observe(observer)`: adds the observer, and answers which of the bus's queues an event reaches. */
export function observe(deps: ObservationDeps, observer: BusObserver): Observation {
  if (typeof observer !== 'function') throw new ConfigError('observer', 'expected a function.');
  const stop = deps.observers.add(observer);
  return {
    // Every queue consumed gets every event: the events exchange is fanout.
    receivers(_name: string): ObservedQueue[] {
      const broadcast = deps.broadcast.consuming();
      const groups = deps.groups.consuming();
      return broadcast ? [broadcast, ...groups] : groups;
    },
    stop,
    [Symbol.dispose]: stop,
  };
}
