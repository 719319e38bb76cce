/**
 * Version of docs/wire-format.md this code writes; it reads 1 as well. A version-2 message carries
 * no `remit-version` header: version-1 readers take a message without one as theirs, and read it.
 */
export const WIRE_VERSION = 2;

/** Header names of the wire format. */
export const Header = {
  version: 'remit-version',
  instance: 'remit-instance',
  codec: 'remit-codec',
  publishedAtMs: 'remit-published-at',
  deadReason: 'remit-dead-reason',
  deadError: 'remit-dead-error',
  deadHandler: 'remit-dead-handler',
  deadAttempts: 'remit-dead-attempts',
  deadQueue: 'remit-dead-queue',
  deadEvent: 'remit-dead-event',
  deadAt: 'remit-dead-at',
  deadBy: 'remit-dead-by',
  deadIssues: 'remit-dead-issues',
  /** true on a dead letter whose original headers were left out: unreadable, or too large to send again. */
  deadHeadersDropped: 'remit-dead-headers-dropped',
  toService: 'remit-to-service',
  toInstance: 'remit-to-instance',
  ackTo: 'remit-ack-to',
  status: 'remit-status',
  /** Ordering key of an event (`publish(…, { key })`). */
  key: 'remit-key',
  /** Handler tries made before this delivery, on any instance (delayed retries). */
  attempt: 'remit-attempt',
  /** Delayed redeliveries made so far. */
  retries: 'remit-retries',
  /** The handlers a delayed retry is for, comma-separated: only they run again. */
  retryHandlers: 'remit-retry-handlers',
  /** The delay queue (milliseconds) a retry waits in: what the delay exchange routes by. */
  delay: 'remit-delay',
  /** The delays a dead letter waited before it was given up, in ms, comma-separated. */
  deadDelays: 'remit-dead-delays',
} as const;

/** Header names starting with this are remit's own; applications may not set them. */
export const RESERVED_PREFIX = 'remit-';

/** A header or property value as text: amqplib may hand long strings over as Buffers. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
