import { createOnRemoteEvent } from '@remit/nestjs';

/** The events of this example: one map types publishing and handlers. */
export type Events = {
  'order.placed': { id: string; item: string; quantity: number; placedAt: Date; placedOn: string };
};

/** `@OnRemoteEvent`, checked against `Events`. */
export const OnOrderEvent = createOnRemoteEvent<Events>();
