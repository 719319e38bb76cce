import 'reflect-metadata';
import { ConfigError } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { RemitMetricsController, RemitMetricsModule } from '../src/index.js';

describe('RemitMetricsModule.register', () => {
  it('mounts RemitMetricsController at /metrics unless told otherwise', () => {
    const module = RemitMetricsModule.register();
    const [controller] = module.controllers ?? [];
    expect(controller?.prototype).toBeInstanceOf(RemitMetricsController);
    expect(controller?.name).toBe('RemitMetricsController');
    expect(Reflect.getMetadata('path', controller ?? {})).toBe('/metrics');
  });

  it('keeps each registration at its own path, leaving the given class untouched', () => {
    class AdminMetricsController extends RemitMetricsController {}
    const ownPath = Reflect.getOwnMetadata('path', RemitMetricsController) as unknown;
    const internal = RemitMetricsModule.register({ path: '/internal/metrics', controller: AdminMetricsController });
    const plain = RemitMetricsModule.register({ controller: AdminMetricsController });
    expect(Reflect.getMetadata('path', internal.controllers?.[0] ?? {})).toBe('/internal/metrics');
    expect(Reflect.getMetadata('path', plain.controllers?.[0] ?? {})).toBe('/metrics');
    expect(Reflect.getOwnMetadata('path', AdminMetricsController)).toBeUndefined();
    expect(Reflect.getOwnMetadata('path', RemitMetricsController)).toBe(ownPath);
  });

  it('rejects a bad path or controller with ConfigError naming the field', () => {
    expect(() => RemitMetricsModule.register({ path: '' })).toThrow(ConfigError);
    expect(() => RemitMetricsModule.register({ path: '' })).toThrow(/path/);
    expect(() => RemitMetricsModule.register({ controller: 'metrics' as never })).toThrow(/controller/);
  });
});
