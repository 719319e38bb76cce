import amqplib, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { maskUrl } from '@remit/core';
import type { BrokerSettings } from './args.js';
import { CliError } from './errors.js';

/** An AMQP connection of the CLI's own, for what a bus does not do (tail, dead letters). */
export interface BrokerConnection {
  readonly model: ChannelModel;
  channel(): Promise<Channel>;
  confirmChannel(): Promise<ConfirmChannel>;
  /** Resolves with the error when the broker closes the connection before `close()` is called. */
  readonly lost: Promise<Error>;
  close(): Promise<void>;
}

/** Connects once (no retry loop: a command should fail fast and let the caller decide). */
export async function connect(settings: BrokerSettings, purpose: string): Promise<BrokerConnection> {
  const url = new URL(settings.url);
  // Notice a dead broker within seconds while tailing, as the bus does.
  if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', '10');
  let model: ChannelModel;
  try {
    model = await amqplib.connect(url.toString(), {
      timeout: settings.timeoutMs,
      noDelay: true,
      clientProperties: { connection_name: `remit-cli ${purpose}` },
    });
  } catch (cause) {
    throw connectError(settings, cause);
  }
  let closing = false;
  // A connection error is also delivered as 'close'; without a listener it would crash the process.
  model.on('error', () => {});
  const lost = new Promise<Error>((resolve) => {
    model.once('close', (error?: Error) => {
      if (!closing) resolve(error ?? new Error('the broker closed the connection'));
    });
  });
  const guard = <C extends Channel>(channel: C): C => {
    // A failed declare or check closes the channel with an 'error'; the rejected call reports it.
    channel.on('error', () => {});
    return channel;
  };
  return {
    model,
    channel: async () => guard(await model.createChannel()),
    confirmChannel: async () => guard(await model.createConfirmChannel()),
    lost,
    close: async () => {
      closing = true;
      await model.close().catch(() => {});
    },
  };
}

function connectError(settings: BrokerSettings, cause: unknown): CliError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  // amqplib reports a refused vhost or permission only as an unexpected close frame.
  const hint = /ConnectionOpenOk/.test(detail) ? ' (the broker refused to open the connection: does the vhost exist, and may this user use it?)' : '';
  return new CliError(`could not connect to ${maskUrl(settings.url)}: ${detail}${hint}`, undefined, { cause });
}

/** True when an amqplib error is the broker's 404 NOT_FOUND (a missing queue or exchange). */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 404;
}
