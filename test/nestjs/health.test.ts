import 'reflect-metadata';
import { createServer } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { amqp } from '@remit/core';
import { RemitHealthIndicator, RemitModule, type RemitModuleOptions } from '@remit/nestjs';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_PORT, urlOnPort, waitFor } from '../helpers/broker.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { NestApps } from './nest-apps.js';

let apps: NestApps;
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await apps.cleanup();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

function healthModule(options: RemitModuleOptions): object {
  @Controller('health')
  class HealthController {
    constructor(
      private readonly health: HealthCheckService,
      private readonly remit: RemitHealthIndicator,
    ) {}

    @Get()
    @HealthCheck()
    check() {
      return this.health.check([() => this.remit.isHealthy()]);
    }
  }
  @Module({ imports: [TerminusModule.forRoot({ logger: false }), RemitModule.forRoot(options)], controllers: [HealthController] })
  class HealthModule {}
  return HealthModule;
}

async function getHealth(url: string): Promise<{ status: number; body: { status: string; details: Record<string, Record<string, unknown>> } }> {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as never };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}


describe('RemitHealthIndicator with @nestjs/terminus', () => {
  it('answers 200 "up" while connected, 503 "down" while the broker is unreachable, and "up" again after reconnecting', async () => {
    apps = new NestApps();
    const proxy = await TcpProxy.start(AMQP_PORT);
    proxies.push(proxy);
    const transport = amqp({
      url: urlOnPort(proxy.port),
      exchange: apps.topology.exchange,
      deadLetter: apps.topology.deadLetter,
      heartbeatSeconds: 1,
    });
    // RemitModule logs each failed reconnect while the proxy refuses: expected, so kept off the output.
    const { url } = await apps.listen(healthModule({ service: 'api', transport }), { logger: false });

    const up = await getHealth(url);
    expect(up.status).toBe(200);
    expect(up.body.status).toBe('ok');
    expect(up.body.details.remit).toMatchObject({ status: 'up', busStatus: 'connected', outbox: 0, lastError: null });
    expect(Date.parse(String(up.body.details.remit?.connectedSince))).not.toBeNaN();

    proxy.refuse();
    proxy.cut();
    await waitFor('the indicator to go down', async () => (await getHealth(url)).status === 503);
    const down = await getHealth(url);
    expect(down.body.status).toBe('error');
    expect(down.body.details.remit).toMatchObject({ status: 'down', connectedSince: null });
    expect(['disconnected', 'connecting']).toContain(down.body.details.remit?.busStatus);
    expect(String(down.body.details.remit?.lastError)).not.toContain('guest:guest');

    proxy.restore();
    await waitFor('the bus to reconnect', async () => (await getHealth(url)).status === 200, 15_000);
  });

  it('reports "down" with the bus status once the application has closed', async () => {
    apps = new NestApps();
    const { app } = await apps.listen(healthModule(apps.options('api')));
    const indicator = app.get(RemitHealthIndicator);
    expect(indicator.isHealthy('bus')).toMatchObject({ bus: { status: 'up', busStatus: 'connected' } });
    await apps.close(app);
    expect(indicator.isHealthy('bus')).toMatchObject({ bus: { status: 'down', busStatus: 'closed', connectedSince: null } });
  });

  it('reports "down" when the broker cannot be reached at startup, and bootstrap fails with a ConnectionError', async () => {
    apps = new NestApps();
    const transport = amqp({ url: urlOnPort(await closedPort()), exchange: apps.topology.exchange, connectTimeoutMs: 1000 });
    const app = await apps.create(healthModule({ service: 'api', transport }), { logger: false });
    const indicator = app.get(RemitHealthIndicator);
    expect(indicator.isHealthy()).toMatchObject({ remit: { status: 'down', busStatus: 'idle' } });
    const failure = await app.init().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'ConnectionError' });
    expect(String((failure as Error).message)).not.toContain('guest:guest');
    const after = indicator.isHealthy().remit;
    expect(after).toMatchObject({ status: 'down', busStatus: 'closed' });
    expect(after.lastError).toEqual(expect.any(String));
  });
});
