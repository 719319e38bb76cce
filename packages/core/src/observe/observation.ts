import { ConfigError } from '../errors.js';
import type { BusObserver, Observation, ObservedQueue } from './bus-activity.js';
import type { Observers } from './observers.js';

export interface ObservationDeps {
  observers: Observers;
  /** The broadcast queue while it is consumed. */
  broadcast: { consuming(): ObservedQueue | null };
  /** The group queues consumed. */
  groups: { consuming(): ObservedQueue[] };
  /** Whether an event reaches a queue: always under fanout routing, by its bindings under topic routing. */
  routes: { reaches(queue: string, name: string): boolean };
}

/** `bus.observe(observer)`: adds the observer, and answers which of the bus's queues an event reaches. */
export function observe(deps: ObservationDeps, observer: BusObserver): Observation {
  if (typeof observer !== 'function') throw new ConfigError('observer', 'expected a function.');
  const stop = deps.observers.add(observer);
  return {
    receivers(name: string): ObservedQueue[] {
      const broadcast = deps.broadcast.consuming();
      const consumed = broadcast ? [broadcast, ...deps.groups.consuming()] : deps.groups.consuming();
      return consumed.filter(({ queue }) => deps.routes.reaches(queue, name));
    },
    stop,
    [Symbol.dispose]: stop,
  };
}
