import type { ChannelModel } from 'amqplib';

/*
 * amqplib's close() of a channel or a connection waits for the broker's close-ok, which never
 * comes if the connection dies meanwhile (measured: a bus whose connection was cut while it
 * closed waited forever). A dead socket ends the wait: the connection's `close` event fires once
 * it is gone, for whatever reason.
 */

/** Resolves when the connection has closed, cleanly or not. */
export function whenClosed(model: ChannelModel): Promise<void> {
  return new Promise((resolve) => model.once('close', () => resolve()));
}

/** Closes a connection; resolves when it is closed or its socket is gone. */
export function closeModel(model: ChannelModel): Promise<void> {
  return Promise.race([model.close().catch(() => {}), whenClosed(model)]);
}

/** Closes channels of a connection; resolves when they are closed or the connection is gone. */
export function closeChannels(model: ChannelModel, channels: Array<{ close(): Promise<void> }>): Promise<void> {
  const gone = whenClosed(model);
  return Promise.all(channels.map((channel) => Promise.race([channel.close().catch(() => {}), gone]))).then(() => {});
}
