// One Prometheus text parser for every test: core's tests compile inside the package, so it lives there.
export * from '../../packages/core/test/prometheus-text.js';
