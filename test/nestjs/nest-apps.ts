import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { amqp, type AmqpOptions, type TransportFactory } from '@remit/core';
import type { RemitModuleOptions } from '@remit/nestjs';
import { AMQP_URL } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

/**
 * Nest applications on a test's private exchange (TestTopology): `cleanup()` closes every
 * application still open, then the topology's buses, exchanges and queues.
 */
export class NestApps {
  readonly topology = new TestTopology();
  readonly #open = new Set<INestApplicationContext>();

  /** An amqp transport on this test's exchange and dead-letter queue. */
  transport(options: Partial<AmqpOptions> = {}): TransportFactory {
    return amqp({ url: AMQP_URL, exchange: this.topology.exchange, deadLetter: this.topology.deadLetter, ...options });
  }

  /** RemitModule options on this test's exchange, with short handler retries. */
  options(service: string, extra: Partial<RemitModuleOptions> = {}): RemitModuleOptions {
    return { service, transport: this.transport(), retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 20 }, ...extra };
  }

  /**
   * `NestFactory.create` (an HTTP application, not yet initialized). `logger: false` for a test
   * that expects Nest to log a failure (a bootstrap error, a broker it cannot reach): the test
   * checks the failure itself, and the expected stack stays off the test output.
   */
  async create(module: object, options: { logger?: false } = {}): Promise<INestApplication> {
    // abortOnError false: a bootstrap failure rejects here instead of exiting the test process.
    const app = await NestFactory.create(module, { logger: options.logger ?? ['error', 'warn'], abortOnError: false });
    this.#open.add(app);
    return app;
  }

  /** An initialized HTTP application listening on a free port, and its base URL. */
  async listen(module: object, options: { logger?: false } = {}): Promise<{ app: INestApplication; url: string }> {
    const app = await this.create(module, options);
    await app.listen(0, '127.0.0.1');
    return { app, url: await app.getUrl() };
  }

  /** `NestFactory.createApplicationContext` + `init()`: a standalone application (a worker). `logger`: as for create(). */
  async context(module: object, options: { logger?: false } = {}): Promise<INestApplicationContext> {
    const app = await NestFactory.createApplicationContext(module, { logger: options.logger ?? ['error', 'warn'], abortOnError: false });
    this.#open.add(app);
    await app.init();
    return app;
  }

  /** Closes `app` now (the test checks what closing does) and forgets it. */
  async close(app: INestApplicationContext): Promise<void> {
    this.#open.delete(app);
    await app.close();
  }

  async cleanup(): Promise<void> {
    const apps = [...this.#open];
    this.#open.clear();
    await Promise.allSettled(apps.map((app) => app.close()));
    await this.topology.cleanup();
  }
}

/** Resolves after `ms`; used only to let stray duplicates arrive before counting. */
export function settle(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
