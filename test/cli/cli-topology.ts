import { amqp, type Bus, type BusOptions } from '@remit/core';
import { AMQP_URL, deleteTopology, unique } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

/** TestTopology plus private request and presence exchanges, so no other test hears these buses. */
export class CliTopology extends TestTopology {
  readonly requestExchange = unique('test.requests');
  readonly presenceExchange = unique('test.presence');

  /** A bus of a service name no other test uses; its request queue is deleted on cleanup. */
  serviceBus(prefix: string, options: Partial<BusOptions> = {}): Bus {
    const service = unique(prefix);
    this.track(`remit.requests.${service}`);
    return this.bus({
      service,
      transport: amqp({
        url: AMQP_URL,
        exchange: this.exchange,
        deadLetter: this.deadLetter,
        requestExchange: this.requestExchange,
        presenceExchange: this.presenceExchange,
      }),
      ...options,
    });
  }

  /** The CLI's flags for the same names. */
  flags(): string[] {
    return [
      '--exchange',
      this.exchange,
      '--dead-letter',
      this.deadLetter,
      '--request-exchange',
      this.requestExchange,
      '--presence-exchange',
      this.presenceExchange,
    ];
  }

  override async cleanup(): Promise<void> {
    await super.cleanup();
    await deleteTopology({ exchanges: [this.requestExchange, this.presenceExchange] });
  }
}
