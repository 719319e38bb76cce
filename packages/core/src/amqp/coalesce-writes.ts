import type { ChannelModel } from 'amqplib';
import { isRecord } from '../config-checks.js';

interface Corkable {
  cork(): void;
  uncork(): void;
}

function isCorkable(value: unknown): value is Corkable {
  return isRecord(value) && typeof value.cork === 'function' && typeof value.uncork === 'function';
}

/**
 * Sends the frames amqplib writes in one turn of the event loop with one socket write.
 *
 * amqplib writes every frame with its own `socket.write`: with TCP noDelay (set for latency, see
 * amqp-transport.ts) that is one syscall and one packet per frame, and the broker reads them one
 * by one too. Its multiplexer writes every frame queued during a turn in one loop, so corking the
 * socket around that loop sends them in one writev. Measured with request/reply, 100 requests in
 * flight: about +25 % requests/s, and broker CPU per request down by a quarter; publish and ack
 * bursts gain the same way. amqplib has no option for it, so this reaches into its connection
 * object; if that is not shaped as expected (another amqplib version), nothing changes.
 * Returns whether writes are now coalesced.
 */
export function coalesceWrites(model: ChannelModel): boolean {
  const connection: unknown = model.connection;
  if (!isRecord(connection)) return false;
  const { stream, muxer } = connection;
  if (!isCorkable(stream) || !isRecord(muxer)) return false;
  const readIncoming = muxer._readIncoming;
  if (typeof readIncoming !== 'function') return false;
  muxer._readIncoming = function readIncomingCorked(): void {
    stream.cork();
    try {
      Reflect.apply(readIncoming, muxer, []);
    } finally {
      stream.uncork();
    }
  };
  return true;
}
