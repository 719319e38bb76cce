/** An instance of a service, as presence knows it. */
export interface InstanceRef {
  readonly service: string;
  readonly instance: string;
}

/** A live instance, from `bus.instances()`. */
export interface InstanceInfo extends InstanceRef {
  /** When that instance's bus started (its own clock). */
  readonly startedAt: Date;
  /** When this bus last heard from it (this bus's clock). */
  readonly lastSeen: Date;
  /** The `version` option of that bus, or null. */
  readonly version: string | null;
  /** Its heartbeat interval; it is dropped after 3 intervals of silence. */
  readonly heartbeatIntervalMs: number;
  /**
   * Whether it receives broadcast events: it has a broadcast (`on` without a group) or `onAny`
   * handler. An instance that only publishes, or only handles groups, has no broadcast queue;
   * `publish(…, { ack: true })` does not wait for it.
   */
  readonly listening: boolean;
  /**
   * Under topic routing, the event names and patterns its broadcast queue is bound with: it
   * receives only matching events, and `publish(…, { ack: true })` waits for it only for those.
   * Absent: it receives every event.
   */
  readonly topics?: readonly string[];
}

/** An instance joined (announced itself, or was heard again) or left (said goodbye, or fell silent). */
export interface PresenceChange extends InstanceInfo {
  readonly type: 'join' | 'leave';
  /** Why it left: it closed its bus (`goodbye`) or missed 3 heartbeats (`timeout`). */
  readonly reason?: 'goodbye' | 'timeout';
}

/** What `publish(…, { ack: true })` resolves with: who ran their handlers for the event. */
export interface DeliveryReport {
  /** Event id (`meta.id`). */
  readonly id: string;
  /** Instances whose handlers for the event finished (an instance without handlers for it acks too). */
  readonly acked: InstanceRef[];
  /** Instances whose handlers failed; the event went to the dead-letter queue there. */
  readonly failed: InstanceRef[];
  /** Instances that were live when it was published and did not answer within `timeoutMs`, or left meanwhile. */
  readonly missing: InstanceRef[];
}
