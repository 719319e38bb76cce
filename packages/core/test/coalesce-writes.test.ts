import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import type { ChannelModel } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { coalesceWrites } from '../src/amqp/coalesce-writes.js';

// amqplib's Connection class is internal (not in its exports map): loaded by path, so this test
// fails when an amqplib upgrade changes what coalesceWrites reaches into.
const require = createRequire(import.meta.url);
const connectionModule: unknown = require(join(dirname(require.resolve('amqplib')), 'lib', 'connection.js'));

function amqplibConnection(socket: Duplex): unknown {
  if (typeof connectionModule !== 'object' || connectionModule === null || !('Connection' in connectionModule)) {
    throw new Error('amqplib/lib/connection.js no longer exports Connection');
  }
  const { Connection } = connectionModule;
  if (typeof Connection !== 'function') throw new Error('amqplib Connection is not a class');
  return Reflect.construct(Connection, [socket]);
}

/** A socket that records how many frames each write to it carried. */
function recordingSocket(): { socket: Duplex; writes: number[] } {
  const writes: number[] = [];
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      writes.push(1);
      callback();
    },
    writev(chunks, callback) {
      writes.push(chunks.length);
      callback();
    },
  });
  return { socket, writes };
}

async function writeFrames(connection: unknown, count: number): Promise<void> {
  const muxer = (connection as { muxer: { pipeFrom(stream: PassThrough): void } }).muxer;
  const frames = new PassThrough({ objectMode: true });
  muxer.pipeFrom(frames);
  for (let n = 0; n < count; n++) frames.write(Buffer.from([n]));
  await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('coalesceWrites', () => {
  it('sends the frames amqplib writes in one turn with one socket write', async () => {
    const { socket, writes } = recordingSocket();
    const connection = amqplibConnection(socket);
    // A ChannelModel is, for this purpose, its `connection`.
    expect(coalesceWrites({ connection } as unknown as ChannelModel)).toBe(true);
    await writeFrames(connection, 5);
    expect(writes).toEqual([5]);
  });

  it('without it, amqplib writes each frame on its own (what it saves)', async () => {
    const { socket, writes } = recordingSocket();
    await writeFrames(amqplibConnection(socket), 5);
    expect(writes).toEqual([1, 1, 1, 1, 1]);
  });

  it('changes nothing on a connection shaped otherwise', () => {
    expect(coalesceWrites({ connection: {} } as unknown as ChannelModel)).toBe(false);
    expect(coalesceWrites({ connection: { stream: {}, muxer: {} } } as unknown as ChannelModel)).toBe(false);
  });
});
