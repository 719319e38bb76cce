import { type Bus, ConfigError, createBus, memory, memoryBroker, registerPrometheusMetrics } from '@remit/core';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

const open: Bus[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((bus) => bus.close()));
});

async function startedBus(service: string, broker = memoryBroker()): Promise<Bus> {
  const bus = createBus({ service, transport: memory(broker) });
  open.push(bus);
  bus.on('order.placed', () => {});
  await bus.start();
  return bus;
}

const typeLines = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(`# TYPE ${name} `)).length;

describe('registerPrometheusMetrics with a real prom-client Registry', () => {
  it('reads stats() at scrape time, for every registered bus, each metric once', async () => {
    const broker = memoryBroker();
    const shop = await startedBus('shop', broker);
    const billing = await startedBus('billing', broker);
    const registry = new Registry();
    registerPrometheusMetrics(shop, registry);
    registerPrometheusMetrics(shop, registry);
    registerPrometheusMetrics(billing, registry);
    await shop.publish('order.placed', {});
    await shop.publish('order.placed', {});
    const text = await registry.metrics();
    const parsed = parsePrometheusText(text);
    expect(sampleValue(parsed, 'remit_events_published_total', { service: 'shop', event: 'order.placed' })).toBe(2);
    expect(sampleValue(parsed, 'remit_connected', { service: 'billing' })).toBe(1);
    expect(typeLines(text, 'remit_events_published_total')).toBe(1);
    expect(typeLines(text, 'remit_handler_duration_seconds')).toBe(1);
    // A later scrape sees later events: nothing was copied at registration.
    await shop.publish('order.placed', {});
    const later = parsePrometheusText(await registry.metrics());
    expect(sampleValue(later, 'remit_events_published_total', { service: 'shop', event: 'order.placed' })).toBe(3);
  });

  it('stops reporting a bus after the returned function is called', async () => {
    const shop = await startedBus('shop');
    const registry = new Registry();
    const stop = registerPrometheusMetrics(shop, registry);
    stop();
    const parsed = parsePrometheusText(await registry.metrics());
    expect(parsed.samples.filter((sample) => sample.labels.service === 'shop')).toEqual([]);
  });

  it('drops a closed bus, so its successor under the same service is the only one reported', async () => {
    const registry = new Registry();
    const first = await startedBus('shop');
    registerPrometheusMetrics(first, registry);
    await first.publish('order.placed', {});
    await first.close();
    const second = await startedBus('shop');
    registerPrometheusMetrics(second, registry);
    const parsed = parsePrometheusText(await registry.metrics());
    const series = (name: string) => parsed.samples.filter((sample) => sample.name === name && sample.labels.service === 'shop');
    expect(series('remit_connected').map((sample) => sample.value)).toEqual([1]);
    // The second bus published nothing: the first one's count is gone with it.
    expect(series('remit_events_published_total')).toEqual([]);
  });

  it('refuses a registry holding a metric of the same name, leaving it as it was', async () => {
    const shop = await startedBus('shop');
    const registry = new Registry();
    new Counter({ name: 'remit_reconnects_total', help: 'Not remit’s.', registers: [registry] });
    expect(() => registerPrometheusMetrics(shop, registry)).toThrow(ConfigError);
    expect(() => registerPrometheusMetrics(shop, registry)).toThrow(/remit_reconnects_total/);
    expect(registry.getMetricsAsArray()).toHaveLength(1);
  });

  it('registers again into a cleared registry, and survives resetMetrics()', async () => {
    const shop = await startedBus('shop');
    const registry = new Registry();
    registerPrometheusMetrics(shop, registry);
    registry.clear();
    expect(await registry.metrics()).not.toContain('remit_');
    registerPrometheusMetrics(shop, registry);
    registry.resetMetrics();
    expect(sampleValue(parsePrometheusText(await registry.metrics()), 'remit_connected', { service: 'shop' })).toBe(1);
  });

  it('renders in OpenMetrics too, with counters named by prom-client', async () => {
    const shop = await startedBus('shop');
    await shop.publish('order.placed', {});
    const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    registerPrometheusMetrics(shop, registry);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE remit_events_published counter');
    expect(text).toContain('remit_events_published_total{service="shop",event="order.placed"} 1');
    expect(text).toContain('remit_handler_duration_seconds_bucket{service="shop",event="order.placed",le="+Inf"} 1');
  });
});
