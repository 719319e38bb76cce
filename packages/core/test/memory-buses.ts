import { afterEach } from 'vitest';
import {
  type Bus,
  type BusOptions,
  createBus,
  memory,
  type MemoryBroker,
  type RequestMap,
  type RequestShape,
  type Transport,
  type TransportFactory,
} from '../src/index.js';

/**
 * A maker of buses on a memory broker (service `svc` unless the options say otherwise), each
 * closed after the test. Call it at the top of a test file.
 */
export function memoryBuses<E extends object, R extends RequestShape<R> = RequestMap>(defaults: Partial<BusOptions> = {}) {
  const open: Bus<E, R>[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((bus) => bus.close()));
  });
  return function bus(broker: MemoryBroker, options: Partial<BusOptions> = {}): Bus<E, R> {
    // Tests hear failures through onError; a passing run prints nothing.
    const created = createBus<E, R>({ service: 'svc', transport: memory(broker), logger: false, ...defaults, ...options });
    open.push(created);
    return created;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, polling every 5 ms; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * A transport factory whose transports forward every call to those of `factory`, except what
 * `override` gives (it gets the transport it wraps): for tests that change one behaviour.
 */
export function overriddenTransport(factory: TransportFactory, override: (inner: Transport) => Partial<Transport>): TransportFactory {
  return {
    kind: factory.kind,
    create(context) {
      const inner: Transport = factory.create(context);
      return {
        start: (hooks) => inner.start(hooks),
        publish: (request) => inner.publish(request),
        send: (message, target) => inner.send(message, target),
        consume: (queue, prefetch, onDelivery) => inner.consume(queue, prefetch, onDelivery),
        bind: (queue, key) => inner.bind(queue, key),
        pending: () => inner.pending(),
        flush: (signal) => inner.flush(signal),
        close: () => inner.close(),
        ...override(inner),
      };
    },
  };
}
