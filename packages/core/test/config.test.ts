import { describe, expect, it } from 'vitest';
import { amqp, ConfigError, createBus, memory, memoryBroker } from '../src/index.js';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as ConfigError).code).toBe('ERR_CONFIG');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

const transport = memory(memoryBroker());

describe('createBus() validates options synchronously', () => {
  it.each([
    ['service', {}],
    ['service', { service: '' }],
    ['service', { service: 'has space' }],
    ['service', { service: 42 }],
    ['transport', { service: 's' }],
    ['transport', { service: 's', transport: 'amqp://localhost' }],
    ['instanceId', { service: 's', instanceId: '', transport }],
    ['codec', { service: 's', transport, codec: 'msgpack' }],
    ['codec', { service: 's', transport, codec: { name: 'x', encode: () => Buffer.alloc(0) } }],
    ['prefetch', { service: 's', transport, prefetch: -1 }],
    ['prefetch', { service: 's', transport, prefetch: 1.5 }],
    ['prefetch', { service: 's', transport, prefetch: 0 }],
    ['queueConcurrency', { service: 's', transport, queueConcurrency: 0 }],
    ['queueConcurrency', { service: 's', transport, queueConcurrency: '10' }],
    ['maxPayloadBytes', { service: 's', transport, maxPayloadBytes: '1mb' }],
    ['publishTimeoutMs', { service: 's', transport, publishTimeoutMs: -5 }],
    ['dedupWindow', { service: 's', transport, dedupWindow: 0.5 }],
    ['retry.attempts', { service: 's', transport, retry: { attempts: 0 } }],
    ['retry.initialDelay', { service: 's', transport, retry: { initialDelay: 10 } }],
    ['groupDeliveryLimit', { service: 's', transport, groupDeliveryLimit: 0 }],
    ['onError', { service: 's', transport, onError: 'log' }],
    ['servce', { servce: 'typo', transport }],
  ])('throws ConfigError naming "%s"', (field, options) => {
    const error = configError(() => createBus(options as never));
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it('accepts a complete, valid set of options', () => {
    const bus = createBus({
      service: 'billing',
      instanceId: 'billing-1',
      transport,
      codec: 'json',
      prefetch: 10,
      maxPayloadBytes: 2048,
      publishTimeoutMs: 1000,
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 10 },
      dedupWindow: 0,
      groupDeliveryLimit: 3,
      instanceQueueExpiresMs: 5000,
      onError: () => {},
    });
    expect(bus.service).toBe('billing');
    expect(bus.instanceId).toBe('billing-1');
  });

  it('gives each instance a random id when none is set', () => {
    const a = createBus({ service: 's', transport });
    const b = createBus({ service: 's', transport });
    expect(a.instanceId).not.toBe(b.instanceId);
  });
});

describe('amqp() validates its options synchronously', () => {
  it.each([
    ['transport.url', {}],
    ['transport.url', { url: '' }],
    ['transport.url', { url: '   ' }],
    ['transport.url', { url: 'not a url' }],
    ['transport.url', { url: 'http://localhost:5672' }],
    ['transport.url', { url: [] }],
    ['transport.url[1]', { url: ['amqp://a', ''] }],
    ['transport.url[0]', { url: ['http://a'] }],
    ['transport.heartbeatSeconds', { url: 'amqp://localhost', heartbeatSeconds: -1 }],
    ['transport.outbox.maxMessages', { url: 'amqp://localhost', outbox: { maxMessages: 0 } }],
    ['transport.reconnect.maxDelayMs', { url: 'amqp://localhost', reconnect: { initialDelayMs: 100, maxDelayMs: 10 } }],
    ['transport.exchange', { url: 'amqp://localhost', exchange: '' }],
    ['transport.routing', { url: 'amqp://localhost', routing: 'direct' }],
    ['transport.routing', { url: 'amqp://localhost', routing: true }],
    ['transport.requestQueueType', { url: 'amqp://localhost', requestQueueType: 'stream' }],
    ['transport.urls', { urls: 'amqp://localhost' }],
  ])('throws ConfigError naming "%s"', (field, options) => {
    expect(configError(() => amqp(options as never)).field).toBe(field);
  });

  it('never puts the password of a malformed URL in the error', () => {
    const error = configError(() => amqp({ url: 'http://admin:s3cret-pass@broker:5672' }));
    expect(error.message).not.toContain('s3cret-pass');
  });

  it('never falls back to a default host for an empty URL', () => {
    expect(() => amqp({ url: process.env.SURELY_UNSET_AMQP_URL ?? '' })).toThrow(ConfigError);
  });
});

describe('subscribe and publish arguments', () => {
  it('rejects an invalid group name and an unknown subscribe option', () => {
    const bus = createBus({ service: 's', transport });
    expect(configError(() => bus.on('e', () => {}, { group: 'no spaces allowed' })).field).toBe('group');
    expect(configError(() => bus.on('e', () => {}, { grop: true } as never)).field).toBe('grop');
    expect(configError(() => bus.on('', () => {})).field).toBe('name');
  });

  it('rejects reserved and non-scalar headers', async () => {
    const bus = createBus({ service: 's', transport });
    await expect(bus.publish('e', 1, { headers: { 'remit-codec': 'x' } })).rejects.toMatchObject({
      name: 'ConfigError',
      field: 'headers.remit-codec',
    });
    await expect(bus.publish('e', 1, { headers: { nested: {} as never } })).rejects.toMatchObject({
      field: 'headers.nested',
    });
  });
});
