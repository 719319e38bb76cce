import { describe, expect, it } from 'vitest';
import { EventMetrics } from '../src/metrics/event-metrics.js';
import { ConfigError, HANDLER_DURATION_BUCKETS, MAX_TRACKED_EVENTS, memoryBroker, metricsRoute, OTHER_EVENTS, PROMETHEUS_CONTENT_TYPE, prometheusText, REMIT_METRICS } from '../src/index.js';
import { memoryBuses, until } from './memory-buses.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

type Events = { 'order.placed': { id: number }; 'invoice.sent': { id: number } };

const bus = memoryBuses<Events>({ retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 2 } });

/** A subscriber where `order.placed` succeeds and `invoice.sent` always fails, and a publisher. */
async function pair() {
  const broker = memoryBroker();
  const subscriber = bus(broker, { service: 'billing' });
  const publisher = bus(broker, { service: 'shop' });
  subscriber.on('order.placed', () => {});
  subscriber.on('invoice.sent', () => {
    throw new Error('mail server down');
  });
  await subscriber.start();
  await publisher.start();
  for (let id = 0; id < 3; id++) await publisher.publish('order.placed', { id });
  for (let id = 0; id < 2; id++) await publisher.publish('invoice.sent', { id });
  await until(() => subscriber.stats().handled === 3 && subscriber.stats().deadLettered === 2, 'handled and dead-lettered');
  return { broker, subscriber, publisher };
}

describe('stats().events', () => {
  it('counts every event by name, adding up to the bus-wide counters', async () => {
    const { subscriber, publisher } = await pair();
    const sent = publisher.stats();
    expect(sent.events['order.placed']).toMatchObject({ published: 3, confirmed: 3, received: 0 });
    expect(sent.events['invoice.sent']).toMatchObject({ published: 2, confirmed: 2 });
    const heard = subscriber.stats();
    expect(heard.events['order.placed']).toMatchObject({ received: 3, handled: 3, failed: 0, retried: 0, deadLettered: 0 });
    // attempts: 2 → one retry per event before it is dead-lettered.
    expect(heard.events['invoice.sent']).toMatchObject({ received: 2, handled: 0, failed: 2, retried: 2, deadLettered: 2 });
    for (const counter of ['received', 'handled', 'failed', 'retried', 'deadLettered'] as const) {
      const sum = Object.values(heard.events).reduce((total, events) => total + events[counter], 0);
      expect(sum, counter).toBe(heard[counter]);
    }
  });

  it('times every handler attempt in a cumulative histogram with Prometheus default buckets', async () => {
    const { subscriber } = await pair();
    const { handlerDuration: placed } = subscriber.stats().events['order.placed'] ?? {};
    const { handlerDuration: sent } = subscriber.stats().events['invoice.sent'] ?? {};
    expect(placed?.count).toBe(3);
    // two events, two attempts each
    expect(sent?.count).toBe(4);
    expect(placed?.buckets.map((bucket) => bucket.le)).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    const counts = placed?.buckets.map((bucket) => bucket.count) ?? [];
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBeLessThanOrEqual(3);
    expect(placed?.sum).toBeGreaterThanOrEqual(0);
  });

  it('puts each observation in the first bucket whose bound holds it, counting cumulatively', () => {
    const metrics = new EventMetrics();
    const counters = metrics.of('e');
    for (const seconds of [0.001, 0.005, 0.0051, 0.3, 7, 30]) counters.observe(seconds);
    const duration = metrics.snapshot()['e']?.handlerDuration;
    const byBound = Object.fromEntries(duration?.buckets.map(({ le, count }) => [le, count]) ?? []);
    expect(byBound).toEqual({ 0.005: 2, 0.01: 3, 0.025: 3, 0.05: 3, 0.1: 3, 0.25: 3, 0.5: 4, 1: 4, 2.5: 4, 5: 4, 10: 5 });
    expect(duration?.count).toBe(6);
    expect(duration?.sum).toBeCloseTo(37.3111, 6);
    expect(HANDLER_DURATION_BUCKETS).toHaveLength(11);
  });

  it('measures how far behind each received event arrived, from its publish time', async () => {
    const { subscriber, publisher } = await pair();
    const lag = subscriber.stats().events['order.placed']?.deliveryLag;
    expect(lag?.count).toBe(3);
    expect(lag?.buckets.map((bucket) => bucket.le)).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300]);
    // Fresh events on one machine: all within a second of their publish.
    expect(lag?.buckets.find((bucket) => bucket.le === 1)?.count).toBe(3);
    // Only received events are measured.
    expect(publisher.stats().events['order.placed']?.deliveryLag.count).toBe(0);
  });

  it('counts a lag from the published-at time, never below zero', () => {
    const metrics = new EventMetrics();
    const counters = metrics.of('e');
    const now = Date.now();
    for (const publishedAt of [now - 120_000, now - 2_000, now + 60_000]) counters.observeLag(publishedAt);
    const lag = metrics.snapshot()['e']?.deliveryLag;
    const byBound = Object.fromEntries(lag?.buckets.map(({ le, count }) => [le, count]) ?? []);
    expect(byBound[0.001]).toBe(1);
    expect(byBound[1]).toBe(1);
    expect(byBound[5]).toBe(2);
    expect(byBound[60]).toBe(2);
    expect(byBound[300]).toBe(3);
    expect(lag?.sum).toBeGreaterThanOrEqual(122);
    expect(lag?.sum).toBeLessThan(123);
  });

  it('tracks the first 1,000 event names from the wire and counts the rest under (other)', async () => {
    const broker = memoryBroker();
    const subscriber = bus(broker, { service: 'billing' });
    const publisher = bus(broker, { service: 'hostile' });
    subscriber.onAny(() => {});
    await subscriber.start();
    await publisher.start();
    const names = Array.from({ length: MAX_TRACKED_EVENTS + 5 }, (_, n) => `made.up.${n}`);
    for (const name of names) await (publisher.publish as (name: string, payload: unknown) => Promise<void>)(name, {});
    await until(() => subscriber.stats().handled === names.length, 'every event handled');
    const events = subscriber.stats().events;
    expect(Object.keys(events)).toHaveLength(MAX_TRACKED_EVENTS + 1);
    expect(events['made.up.999']?.handled).toBe(1);
    expect(events['made.up.1000']).toBeUndefined();
    expect(events[OTHER_EVENTS]).toMatchObject({ received: 5, handled: 5 });
  });

  it('keeps a `__proto__` event name as a plain key', async () => {
    const metrics = new EventMetrics();
    metrics.of('__proto__').received++;
    const snapshot = metrics.snapshot();
    expect(Object.keys(snapshot)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(snapshot)).toBe(Object.prototype);
  });
});

describe('prometheusText', () => {
  it('renders the counted events as Prometheus text that parses back to the same values', async () => {
    const { subscriber, publisher } = await pair();
    const text = prometheusText(subscriber, publisher);
    const parsed = parsePrometheusText(text);
    const stats = subscriber.stats();
    const billing = (event: string) => ({ service: 'billing', event });
    expect(sampleValue(parsed, 'remit_events_received_total', billing('order.placed'))).toBe(3);
    expect(sampleValue(parsed, 'remit_events_handled_total', billing('order.placed'))).toBe(3);
    expect(sampleValue(parsed, 'remit_events_failed_total', billing('invoice.sent'))).toBe(2);
    expect(sampleValue(parsed, 'remit_events_retried_total', billing('invoice.sent'))).toBe(2);
    expect(sampleValue(parsed, 'remit_events_dead_lettered_total', billing('invoice.sent'))).toBe(2);
    expect(sampleValue(parsed, 'remit_events_published_total', { service: 'shop', event: 'order.placed' })).toBe(3);
    expect(sampleValue(parsed, 'remit_events_confirmed_total', { service: 'shop', event: 'invoice.sent' })).toBe(2);
    expect(sampleValue(parsed, 'remit_handler_duration_seconds_count', billing('invoice.sent'))).toBe(4);
    expect(sampleValue(parsed, 'remit_handler_duration_seconds_bucket', { ...billing('invoice.sent'), le: '+Inf' })).toBe(4);
    const duration = stats.events['order.placed']?.handlerDuration;
    expect(sampleValue(parsed, 'remit_handler_duration_seconds_bucket', { ...billing('order.placed'), le: '0.005' })).toBe(
      duration?.buckets[0]?.count,
    );
    expect(sampleValue(parsed, 'remit_handler_duration_seconds_sum', billing('order.placed'))).toBe(duration?.sum);
    expect(sampleValue(parsed, 'remit_delivery_lag_seconds_count', billing('order.placed'))).toBe(3);
    expect(sampleValue(parsed, 'remit_delivery_lag_seconds_bucket', { ...billing('order.placed'), le: '+Inf' })).toBe(3);
    expect(sampleValue(parsed, 'remit_delivery_lag_seconds_sum', billing('order.placed'))).toBe(stats.events['order.placed']?.deliveryLag.sum);
    expect(sampleValue(parsed, 'remit_connected', { service: 'billing' })).toBe(1);
    expect(sampleValue(parsed, 'remit_outbox_events', { service: 'shop' })).toBe(0);
    expect(sampleValue(parsed, 'remit_reconnects_total', { service: 'shop' })).toBe(0);
    for (const { name, type } of REMIT_METRICS) {
      expect(parsed.types.get(name), name).toBe(type);
      expect(parsed.help.get(name), name).toBeTruthy();
    }
    expect(text.endsWith('\n')).toBe(true);
  });

  it('escapes backslashes, quotes and line feeds in event names taken from the wire', async () => {
    const broker = memoryBroker();
    const publisher = bus(broker, { service: 'odd' });
    await publisher.start();
    const name = 'say "hi"\\now\nthen';
    await (publisher.publish as (name: string, payload: unknown) => Promise<void>)(name, {});
    const text = prometheusText(publisher);
    expect(text).toContain('event="say \\"hi\\"\\\\now\\nthen"');
    const parsed = parsePrometheusText(text);
    expect(sampleValue(parsed, 'remit_events_published_total', { service: 'odd', event: name })).toBe(1);
  });

  it('reports a disconnected bus with remit_connected 0', async () => {
    const publisher = bus(memoryBroker(), { service: 'idle' });
    const parsed = parsePrometheusText(prometheusText(publisher));
    expect(sampleValue(parsed, 'remit_connected', { service: 'idle' })).toBe(0);
  });
});

describe('metricsRoute', () => {
  it('serves remit text when prom-client cannot be loaded', async () => {
    const publisher = bus(memoryBroker(), { service: 'alone' });
    const notFound = Object.assign(new Error("Cannot find package 'prom-client'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const scrape = metricsRoute(publisher, undefined, () => Promise.reject(notFound));
    const response = await scrape();
    expect(response.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(sampleValue(parsePrometheusText(response.body), 'remit_connected', { service: 'alone' })).toBe(0);
  });

  it('fails the scrape when prom-client is installed but broken', async () => {
    const publisher = bus(memoryBroker(), { service: 'broken' });
    const scrape = metricsRoute(publisher, {}, () => Promise.reject(new SyntaxError('Unexpected token')));
    await expect(scrape()).rejects.toThrow(SyntaxError);
    const dependencyMissing = Object.assign(new Error("Cannot find module 'tdigest'"), { code: 'MODULE_NOT_FOUND' });
    const incomplete = metricsRoute(publisher, {}, () => Promise.reject(dependencyMissing));
    await expect(incomplete()).rejects.toThrow(/tdigest/);
  });

  it('rejects unknown and mistyped options with ConfigError naming the field', () => {
    const publisher = bus(memoryBroker());
    const load = () => Promise.resolve({});
    expect(() => metricsRoute(publisher, { path: '/m' } as never, load)).toThrow(/path/);
    expect(() => metricsRoute(publisher, { promClient: 'yes' } as never, load)).toThrow(ConfigError);
    expect(() => metricsRoute(publisher, { registry: {} } as never, load)).toThrow(/registry/);
  });
});
