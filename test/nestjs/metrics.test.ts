import 'reflect-metadata';
import { Injectable, Module, UseGuards } from '@nestjs/common';
import { OnRemoteEvent, RemitMetricsController, RemitMetricsModule, type RemitMetricsModuleOptions, RemitModule } from '@remit/nestjs';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { unique, waitFor } from '../helpers/broker.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';
import { NestApps } from './nest-apps.js';

type Events = { 'order.placed': { id: number }; 'invoice.sent': { id: number } };

let apps: NestApps;
afterEach(async () => {
  await apps.cleanup();
});

@Injectable()
class Handlers {
  @OnRemoteEvent('order.placed')
  placed(): void {}

  @OnRemoteEvent('invoice.sent')
  sent(): void {
    throw new Error('mail server down');
  }
}

/**
 * A Nest HTTP app with remit metrics whose handlers take `order.placed` and fail `invoice.sent`;
 * a plain bus publishes 3 and 2 of them, and the app's /metrics is scraped until it counted all.
 */
async function scrapeAfterCountedEvents(metrics: RemitMetricsModuleOptions, path: string) {
  apps = new NestApps();
  const service = unique('nest-metrics');
  const failures: string[] = [];
  const options = apps.options(service, { onError: (failure) => void failures.push(`${failure.kind}:${failure.event}`) });
  @Module({ imports: [RemitModule.forRoot(options), RemitMetricsModule.register(metrics)], providers: [Handlers] })
  class AppModule {}
  const { url } = await apps.listen(AppModule);
  const publisher = apps.topology.bus<Events>({ service: unique('nest-metrics-publisher') });
  await publisher.start();
  for (let id = 0; id < 3; id++) await publisher.publish('order.placed', { id });
  for (let id = 0; id < 2; id++) await publisher.publish('invoice.sent', { id });
  let last = { status: 0, contentType: '', text: '' };
  const scrape = async () => {
    const response = await fetch(`${url}${path}`);
    last = { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
    const parsed = parsePrometheusText(last.text);
    const handled = parsed.samples.find((sample) => sample.name === 'remit_events_handled_total' && sample.labels.event === 'order.placed');
    const dead = parsed.samples.find((sample) => sample.name === 'remit_events_dead_lettered_total' && sample.labels.event === 'invoice.sent');
    return handled?.value === 3 && dead?.value === 2;
  };
  await waitFor('the scrape to show every event handled or dead-lettered', scrape);
  expect(failures).toEqual(['handler:invoice.sent', 'handler:invoice.sent']);
  return { ...last, parsed: parsePrometheusText(last.text), service };
}

function expectCountedEvents(parsed: ReturnType<typeof parsePrometheusText>, service: string): void {
  const of = (event: keyof Events) => ({ service, event });
  expect(sampleValue(parsed, 'remit_events_received_total', of('order.placed'))).toBe(3);
  expect(sampleValue(parsed, 'remit_events_received_total', of('invoice.sent'))).toBe(2);
  expect(sampleValue(parsed, 'remit_events_failed_total', of('invoice.sent'))).toBe(2);
  // NestApps' retry: 2 attempts, so one retry per failing event.
  expect(sampleValue(parsed, 'remit_events_retried_total', of('invoice.sent'))).toBe(2);
  expect(sampleValue(parsed, 'remit_handler_duration_seconds_count', of('order.placed'))).toBe(3);
  expect(sampleValue(parsed, 'remit_handler_duration_seconds_bucket', { ...of('invoice.sent'), le: '+Inf' })).toBe(4);
  expect(sampleValue(parsed, 'remit_connected', { service })).toBe(1);
}

class AllowAll {
  static checked = 0;
  canActivate(): boolean {
    AllowAll.checked++;
    return true;
  }
}

@UseGuards(AllowAll)
class GuardedMetricsController extends RemitMetricsController {}

describe('RemitMetricsModule in a real NestJS application', () => {
  it('serves remit’s Prometheus text at the given path, matching the counted events', async () => {
    const scraped = await scrapeAfterCountedEvents({ path: '/internal/metrics', promClient: false }, '/internal/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expectCountedEvents(scraped.parsed, scraped.service);
  });

  it('serves the app’s prom-client registry with remit’s metrics once, through a guarded subclass', async () => {
    const registry = new Registry();
    new Counter({ name: 'app_orders_total', help: 'Orders taken.', registers: [registry] }).inc(5);
    const before = AllowAll.checked;
    const scraped = await scrapeAfterCountedEvents({ registry, controller: GuardedMetricsController }, '/metrics');
    expect(scraped.contentType).toBe(registry.contentType);
    expect(sampleValue(scraped.parsed, 'app_orders_total')).toBe(5);
    expectCountedEvents(scraped.parsed, scraped.service);
    expect(scraped.text.split('\n').filter((line) => line === '# TYPE remit_events_handled_total counter')).toHaveLength(1);
    expect(AllowAll.checked).toBeGreaterThan(before);
  });
});
