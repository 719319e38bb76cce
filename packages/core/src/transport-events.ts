import type { EventPublisher } from './events/event-publisher.js';
import type { FailureReporter } from './failure-reporter.js';
import type { BusLifecycle } from './lifecycle/bus-lifecycle.js';
import type { StatusTracker } from './lifecycle/status-tracker.js';
import type { Presence } from './presence/presence.js';
import type { RequestClient } from './requests/request-client.js';
import type { PublishTarget, SendTarget, TransportHooks, TransportStatus, WireMessage } from './transport.js';
import type { BusStats } from './bus-state.js';

export interface TransportEventsDeps {
  lifecycle: Pick<BusLifecycle, 'shuttingDown'>;
  status: StatusTracker;
  stats: BusStats;
  reporter: FailureReporter;
  presence: Pick<Presence, 'rejoin'>;
  requests: Pick<RequestClient, 'onConnected' | 'onDisconnect' | 'onReturned' | 'onReply'>;
  publisher: Pick<EventPublisher, 'onReturn'>;
}

/**
 * What a bus does when its transport speaks: the hooks handed to `transport.start()`. A connection
 * change moves the bus's status, counts a reconnect and lets presence and waiting requests know; a
 * returned message goes to whoever sent it; a reply goes to the request waiting for it.
 */
export class TransportEvents implements TransportHooks {
  readonly #deps: TransportEventsDeps;
  #everConnected = false;

  constructor(deps: TransportEventsDeps) {
    this.#deps = deps;
  }

  onStatus(status: TransportStatus, cause?: Error): void {
    const { lifecycle, requests, stats, presence } = this.#deps;
    if (status === 'disconnected') requests.onDisconnect();
    if (status === 'connected') requests.onConnected();
    if (lifecycle.shuttingDown) {
      if (cause) this.#deps.status.recordError(cause);
      return;
    }
    if (status === 'disconnected') this.#deps.reporter.disconnected(cause);
    if (status === 'connected') {
      if (this.#everConnected) {
        stats.reconnects++;
        this.#deps.reporter.reconnected();
        // Missed heartbeats may have dropped this instance elsewhere, and others meanwhile: meet again.
        presence.rejoin();
      }
      this.#everConnected = true;
    }
    this.#deps.status.set(status, cause);
  }

  onError(error: Error): void {
    this.#deps.status.recordError(error);
    this.#deps.reporter.report({ kind: 'transport', error });
  }

  onReturn(message: WireMessage, target: PublishTarget | SendTarget): void {
    if (target === 'events') this.#deps.publisher.onReturn(message);
    else if (target === 'requests') this.#deps.requests.onReturned(message);
    // A returned reply, ack or presence answer: whoever it was for is gone.
  }

  onReply(message: WireMessage): void {
    this.#deps.requests.onReply(message);
  }
}
