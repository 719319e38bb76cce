import { randomUUID } from 'node:crypto';
import amqplib, { type Channel, type ChannelModel } from 'amqplib';

/** The broker every test in this folder uses. */
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The broker's port, for a TCP proxy in front of it. */
export const AMQP_PORT = Number(new URL(AMQP_URL).port || 5672);

/** AMQP_URL with the same credentials, pointed at another port of this machine (a proxy's, or a closed one). */
export function urlOnPort(port: number): string {
  const url = new URL(AMQP_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

export function maskedUrl(): string {
  const url = new URL(AMQP_URL);
  if (url.password) url.password = '***';
  return url.toString();
}

/** A name no other test (or parallel run) uses, so tests never share exchanges or queues. */
export function unique(prefix: string): string {
  return `${prefix}.${randomUUID().slice(0, 8)}`;
}

/** A raw amqplib connection and channel, for publishing poison and inspecting queues. */
export async function rawChannel(): Promise<{ connection: ChannelModel; channel: Channel; close(): Promise<void> }> {
  const connection = await amqplib.connect(AMQP_URL);
  const channel = await connection.createChannel();
  // A failed check (404 for a missing queue) closes the channel with an 'error' event; the
  // rejected promise already tells the caller, so the event must not become an uncaught exception.
  channel.on('error', () => {});
  connection.on('error', () => {});
  return {
    connection,
    channel,
    close: async () => {
      await connection.close().catch(() => {});
    },
  };
}

/** Deletes test-owned exchanges and queues; missing ones are fine. */
export async function deleteTopology(names: { exchanges?: string[]; queues?: string[] }): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    for (const queue of names.queues ?? []) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await channel.deleteQueue(queue).catch(() => {});
      await channel.close().catch(() => {});
    }
    for (const exchange of names.exchanges ?? []) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await channel.deleteExchange(exchange).catch(() => {});
      await channel.close().catch(() => {});
    }
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Polls until `check` returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads every message currently in a queue (acknowledging them) with basic.get. */
export async function drainQueue(channel: Channel, queue: string): Promise<amqplib.GetMessage[]> {
  const messages: amqplib.GetMessage[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) return messages;
    messages.push(message);
  }
}

/** Runs `work` on a short-lived raw channel and closes it, whatever happens. */
export async function withRawChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
  const raw = await rawChannel();
  try {
    return await work(raw.channel);
  } finally {
    await raw.close();
  }
}

/** A queue's message and consumer counts. */
export function queueInfo(queue: string): Promise<{ messageCount: number; consumerCount: number }> {
  return withRawChannel((channel) => channel.checkQueue(queue));
}
