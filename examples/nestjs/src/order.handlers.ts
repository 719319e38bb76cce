import { Injectable, Logger } from '@nestjs/common';
import type { EventMeta } from '@remit/core';
import { EventBus } from '@remit/nestjs';
import { type Events, OnOrderEvent } from './events';

@Injectable()
export class OrderHandlers {
  private readonly logger = new Logger('Orders');

  constructor(private readonly bus: EventBus<Events>) {}

  /** Broadcast: every instance runs this for every order, the publishing one included. */
  @OnOrderEvent('order.placed')
  audit(order: Events['order.placed'], meta: EventMeta): void {
    this.logger.log(
      `${this.bus.instanceId} heard order.placed ${order.id} (${order.quantity} x ${order.item}) ` +
        `from ${meta.instance}, placed at ${order.placedAt.toISOString()}`,
    );
  }

  /** Group: one instance of the service runs this per order, however many are running. */
  @OnOrderEvent('order.placed', { group: true })
  async reserveStock(order: Events['order.placed']): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 100));
    this.logger.log(`${this.bus.instanceId} reserved stock for ${order.id} (group: once per order)`);
  }
}
