import { randomBytes } from 'node:crypto';

/**
 * The id of an instance started without `instanceId`: 64 random bits as 13 characters of
 * [0-9a-z]. Every event carries it (the `remit-instance` header), and RabbitMQ's CPU per event
 * grows with the bytes of a message's properties: with a 36-character UUID here, remit ran at
 * 0.81 × raw amqplib's events/s and the broker spent 1.13 × raw's CPU per event; with 13
 * characters, 0.85 and 1.04 (`node test/bench/wire.mjs --consumers 3 --warmup 10000 --baseline`,
 * docs/performance.md). 64 bits keep two live instances from drawing the same id (under one
 * chance in 10^11 among 10,000 instances).
 */
export function randomInstanceId(): string {
  return randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0');
}
