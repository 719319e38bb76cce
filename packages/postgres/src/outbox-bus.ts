import type { Bus, BusHealth, EncodedEvent, PublishOptions, StatusChange, Unsubscribe } from '@remit/core';

/**
 * What the outbox uses of a bus: `encode` at write time, `publishEncoded` in the relay, and the
 * connection status, so the relay waits instead of piling up publishes while the broker is away.
 * Core's `Bus` and Nest's `EventBus` are both one, whatever their event map (`encode`'s
 * parameters are `never` here so that every map fits; the outbox types its own `publish` from the
 * bus's map instead, see EventsOf and PayloadsOf).
 */
export interface OutboxBus {
  readonly service: string;
  encode(name: never, payload: never, options?: PublishOptions): Promise<EncodedEvent>;
  publishEncoded(event: EncodedEvent, options?: PublishOptions): Promise<void>;
  health(): BusHealth;
  onStatus(listener: (change: StatusChange) => void): Unsubscribe;
}

/** The event map of a bus (core's `Bus`, Nest's `EventBus`); any name and `unknown` payloads otherwise. */
export type EventsOf<B> = B extends Bus<infer E, infer _R, infer _P> ? E : Record<string, unknown>;

/** What `publish` accepts per event of a bus: its payload types, or its schemas' input types. */
export type PayloadsOf<B> = B extends Bus<infer _E, infer _R, infer P> ? P : Record<string, unknown>;

/** `encode` as the outbox calls it, once `publish` has checked the name and payload against the bus's map. */
export type EncodeEvent = (name: string, payload: unknown, options: PublishOptions) => Promise<EncodedEvent>;
