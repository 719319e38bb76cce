import 'reflect-metadata';
import { ConfigError } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { RemitMetricsController, RemitMetricsModule } from '../src/index.js';

describe('RemitMetricsModule.register', () => {
  it('mounts RemitMetricsController at /metrics unless told otherwise', () => {
    const module = RemitMetricsModule.register();
    expect(module.controllers).toEqual([RemitMetricsController]);
    expect(Reflect.getMetadata('path', RemitMetricsController)).toBe('/metrics');
  });

  it('rejects a bad path or controller with ConfigError naming the field', () => {
    expect(() => RemitMetricsModule.register({ path: '' })).toThrow(ConfigError);
    expect(() => RemitMetricsModule.register({ path: '' })).toThrow(/path/);
    expect(() => RemitMetricsModule.register({ controller: 'metrics' as never })).toThrow(/controller/);
  });
});
