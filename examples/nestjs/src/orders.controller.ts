import { randomUUID } from 'node:crypto';
import { BadRequestException, Body, Controller, Post } from '@nestjs/common';
import { EventBus } from '@remit/nestjs';
import type { Events } from './events';

@Controller('orders')
export class OrdersController {
  constructor(private readonly bus: EventBus<Events>) {}

  /** POST /orders {"item":"book","quantity":2}: publishes `order.placed` to every instance. */
  @Post()
  async place(@Body() body: { item?: unknown; quantity?: unknown }): Promise<{ id: string; publishedBy: string }> {
    if (typeof body.item !== 'string' || !Number.isInteger(body.quantity)) {
      throw new BadRequestException('Send JSON like {"item":"book","quantity":2}.');
    }
    const id = `A-${randomUUID().slice(0, 6)}`;
    // Resolves once RabbitMQ has confirmed the event.
    await this.bus.publish('order.placed', {
      id,
      item: body.item,
      quantity: Number(body.quantity),
      placedAt: new Date(),
      placedOn: this.bus.instanceId,
    });
    return { id, publishedBy: this.bus.instanceId };
  }
}
