import type { BrokerSettings } from './args.js';
import { type BrokerConnection, connect, isNotFound } from './connection.js';
import { CliError } from './errors.js';

/** How an event exchange routes (docs/scaling.md): every event to every queue, or by event name. */
export type Routing = BrokerSettings['routing'];

/**
 * How the event exchange routes: the type it has when it exists, else `--routing` (what a bus with
 * the same option would declare). AMQP tells an exchange's type only by refusing a declare of
 * another type, so an existing exchange is declared as fanout: a fanout exchange takes it (nothing
 * changes), a topic exchange refuses it, on a channel of its own.
 */
export async function exchangeRouting(connection: BrokerConnection, settings: BrokerSettings): Promise<Routing> {
  const check = await connection.channel();
  try {
    await check.checkExchange(settings.exchange);
  } catch (caught) {
    if (isNotFound(caught)) return settings.routing;
    throw caught;
  } finally {
    await check.close().catch(() => {});
  }
  const probe = await connection.channel();
  try {
    await probe.assertExchange(settings.exchange, 'fanout', { durable: true });
    return 'fanout';
  } catch (caught) {
    const current = /inequivalent arg 'type' for exchange .* current is '([^']*)'/.exec(caught instanceof Error ? caught.message : '')?.[1];
    if (current === 'topic') return 'topic';
    throw new CliError(
      `exchange "${settings.exchange}" is not an event exchange remit can use${current === undefined ? '' : ` (it is a ${current} exchange)`}: ` +
        'remit publishes to a fanout or topic exchange. Check --exchange.',
      undefined,
      { cause: caught },
    );
  } finally {
    await probe.close().catch(() => {});
  }
}

/**
 * The same, on a short-lived connection of its own: for commands that then run a bus. A broker
 * that cannot be reached gives `--routing`: the bus then says why it cannot connect.
 */
export async function detectRouting(settings: BrokerSettings): Promise<Routing> {
  let connection: BrokerConnection;
  try {
    connection = await connect(settings, 'routing');
  } catch {
    return settings.routing;
  }
  try {
    return await exchangeRouting(connection, settings);
  } finally {
    await connection.close();
  }
}
