import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import type { Unsubscribe } from '@remit/core';
import { EventBus } from './event-bus.js';
import { bridgeEventEmitter } from './event-emitter.bridge.js';
import { REMIT_SETTINGS } from './remit.constants.js';
import type { NormalizedRemitModuleOptions } from './remit-module-options.js';
import { discoverRemoteEventHandlers } from './remote-event.explorer.js';

/**
 * Starts the bus once every handler is known and drains it on shutdown.
 *
 * It lives in a module that is not global: Nest runs the hooks of global modules first, so by the
 * time this bootstrap hook runs, `@nestjs/event-emitter` (global) has registered its `@OnEvent`
 * listeners, and no remote event reaches EventEmitter2 before they are there.
 */
@Injectable()
export class RemitLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #logger = new Logger('RemitModule');
  #unbridge: Unsubscribe | null = null;

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(REMIT_SETTINGS) private readonly settings: NormalizedRemitModuleOptions,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const handlers = discoverRemoteEventHandlers(this.discovery, this.scanner);
    for (const handler of handlers) this.bus.on(handler.event, handler.run, handler.subscribe);
    const { eventEmitter } = this.settings;
    if (eventEmitter) this.#unbridge = await bridgeEventEmitter(this.moduleRef, this.bus, eventEmitter.events, this.#logger);
    // Consuming starts only now: an event that arrives finds every handler in place.
    await this.bus.start();
    this.#logger.log(
      `Bus started for service "${this.bus.service}", instance "${this.bus.instanceId}": ` +
        `${handlers.length} @OnRemoteEvent handler${handlers.length === 1 ? '' : 's'}` +
        (eventEmitter ? ', EventEmitter2 bridged' : ''),
    );
  }

  /**
   * Runs before Nest closes the HTTP server and calls `onApplicationShutdown` hooks (where other
   * modules close their database connections), so running handlers finish with everything they use
   * still open.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.bus.close({ timeoutMs: this.settings.shutdownTimeoutMs });
    this.#unbridge?.();
    this.#unbridge = null;
  }
}
