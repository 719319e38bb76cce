import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { AckBatcher, type TrackedDelivery } from '../src/amqp/ack-batcher.js';

/** Records what the batcher would write, by delivery tag. */
function recordingChannel() {
  const frames: string[] = [];
  return {
    frames,
    ack: (message: Message, allUpTo?: boolean) => frames.push(`ack ${message.fields.deliveryTag}${allUpTo ? ' multiple' : ''}`),
    reject: (message: Message, requeue?: boolean) => frames.push(`reject ${message.fields.deliveryTag}${requeue ? ' requeue' : ''}`),
  };
}

const delivery = (tag: number) => ({ fields: { deliveryTag: tag } }) as Message;

/** The batcher's deliveries, as ack/requeue pairs. */
function tracker(batcher: AckBatcher) {
  return (tag: number) => {
    const tracked: TrackedDelivery = { raw: delivery(tag), state: 'running' };
    batcher.track(tracked);
    return { ack: () => batcher.ack(tracked), requeue: () => batcher.requeue(tracked) };
  };
}
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AckBatcher', () => {
  it('acks a run of settled deliveries with one multiple ack', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    const settles = [1, 2, 3, 4].map(tracker(batcher));
    for (const settle of settles) settle.ack();
    expect(channel.frames).toEqual([]);
    await nextTurn();
    expect(channel.frames).toEqual(['ack 4 multiple']);
  });

  it('acks deliveries settled behind a running one on their own, and never twice', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    const [first, slow, third, fourth] = [1, 2, 3, 4].map(tracker(batcher));
    first?.ack();
    third?.ack();
    fourth?.ack();
    await nextTurn();
    expect(channel.frames).toEqual(['ack 1 multiple', 'ack 3', 'ack 4']);
    slow?.ack();
    await nextTurn();
    expect(channel.frames).toEqual(['ack 1 multiple', 'ack 3', 'ack 4', 'ack 2 multiple']);
  });

  it('sends a requeue at once and leaves it out of the multiple ack', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    const [first, second, third] = [1, 2, 3].map(tracker(batcher));
    first?.ack();
    third?.requeue();
    second?.ack();
    expect(channel.frames).toEqual(['reject 3 requeue']);
    await nextTurn();
    expect(channel.frames).toEqual(['reject 3 requeue', 'ack 2 multiple']);
  });

  it('flush() sends pending acks at once; after close() nothing is sent', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    const [first, second] = [1, 2].map(tracker(batcher));
    first?.ack();
    batcher.flush();
    expect(channel.frames).toEqual(['ack 1 multiple']);
    batcher.close();
    second?.ack();
    second?.requeue();
    await nextTurn();
    expect(channel.frames).toEqual(['ack 1 multiple']);
  });

  it('a delivery settled twice is acked once', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    const only = tracker(batcher)(1);
    only.ack();
    only.ack();
    only.requeue();
    await nextTurn();
    expect(channel.frames).toEqual(['ack 1 multiple']);
  });
});
