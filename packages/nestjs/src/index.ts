export { RemitModule } from './remit.module.js';
export { EventBus } from './event-bus.js';
export { OnRemoteEvent, createOnRemoteEvent, REMOTE_EVENT_METADATA } from './on-remote-event.decorator.js';
export type { OnRemoteEventOptions, RemoteEventMethod, RemoteEventHandlerMetadata } from './on-remote-event.decorator.js';
export { RemitHealthIndicator } from './remit-health.indicator.js';
export type { RemitHealthDetail, RemitHealthIndicatorResult } from './remit-health.indicator.js';
export type { RemitModuleOptions, RemitEventEmitterOptions } from './remit-module-options.js';
export { REMIT_MODULE_OPTIONS } from './remit.module-definition.js';
