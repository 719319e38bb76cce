import type { EventMeta } from '@remit/core';
import { describe, expectTypeOf, it } from 'vitest';
import { createOnRemoteEvent, EventBus, OnRemoteEvent, type RemitHealthIndicatorResult } from '../src/index.js';

type Events = { 'user.created': { id: string; email: string }; 'tick': number };
const OnEvents = createOnRemoteEvent<Events>();

describe('types', () => {
  it('EventBus<Events> checks names and payloads', () => {
    const bus = {} as EventBus<Events>;
    void bus.publish('tick', 1);
    // @ts-expect-error wrong payload type
    void bus.publish('tick', 'one');
    // @ts-expect-error unknown event
    void bus.publish('nope', 1);
    bus.on('user.created', (user, meta) => {
      expectTypeOf(user).toEqualTypeOf<{ id: string; email: string }>();
      expectTypeOf(meta).toEqualTypeOf<EventMeta>();
    });
  });

  it('createOnRemoteEvent checks the name and the method payload against the map', () => {
    class Handlers {
      @OnEvents('user.created')
      welcome(user: { email: string }, meta: EventMeta): string {
        return `${user.email} ${meta.id}`;
      }

      // @ts-expect-error the payload of "tick" is a number
      @OnEvents('tick')
      wrong(payload: string): string {
        return payload;
      }

      @OnEvents('tick', { group: true })
      count(): void {}

      @OnRemoteEvent('anything.at.all')
      untyped(payload: { free: boolean }): boolean {
        return payload.free;
      }
    }
    expectTypeOf(Handlers).toBeConstructibleWith();
    // @ts-expect-error unknown event
    OnEvents('nope');
  });

  it('the health indicator result is keyed by its key', () => {
    expectTypeOf<RemitHealthIndicatorResult<'bus'>['bus']['status']>().toEqualTypeOf<'up' | 'down'>();
  });
});
