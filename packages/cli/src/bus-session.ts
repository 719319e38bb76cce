import { amqp, type Bus, ConfigError, ConnectionError, createBus, type FailureReport, RemitError } from '@remit/core';
import type { BrokerSettings } from './args.js';
import { CliError, UsageError } from './errors.js';
import { detectRouting } from './exchange-routing.js';

export interface BusSessionOptions {
  service: string;
  codec: 'json' | 'superjson';
  /** Hears the bus's failures (an unroutable event, a connection attempt that failed). */
  onError?: (report: FailureReport) => void;
}

/**
 * Runs `work` with a started bus on the CLI's broker and names, and closes the bus whatever
 * happens. Bad options become usage errors; connection failures runtime errors.
 */
export async function withBus<T>(settings: BrokerSettings, options: BusSessionOptions, work: (bus: Bus) => Promise<T>): Promise<T> {
  // A bus declares the event exchange with its routing, and an exchange keeps its type: use the one it has.
  const routing = await detectRouting(settings);
  let bus: Bus;
  try {
    bus = createBus({
      service: options.service,
      codec: options.codec,
      // A command reports what went wrong itself, once, as its last line on stderr.
      logger: false,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
      publishTimeoutMs: settings.timeoutMs,
      transport: amqp({
        url: settings.url,
        exchange: settings.exchange,
        routing,
        deadLetter: settings.deadLetter,
        requestExchange: settings.requestExchange,
        presenceExchange: settings.presenceExchange,
        connectTimeoutMs: settings.timeoutMs,
      }),
    });
  } catch (caught) {
    throw asCliError(caught);
  }
  try {
    await bus.start();
    return await work(bus);
  } catch (caught) {
    throw asCliError(caught);
  } finally {
    await bus.close({ timeoutMs: settings.timeoutMs }).catch(() => {});
  }
}

/** Maps remit's errors onto the CLI's exit codes: a bad option is a usage error, the rest runtime failures. */
export function asCliError(caught: unknown): CliError {
  if (caught instanceof CliError) return caught;
  if (caught instanceof ConfigError) return new UsageError(caught.message);
  if (caught instanceof ConnectionError || caught instanceof RemitError || caught instanceof Error) {
    return new CliError(caught.message, undefined, { cause: caught });
  }
  return new CliError(String(caught));
}
