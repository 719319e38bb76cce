export { remit } from './remit.js';
export type { RemitMiddleware, RemitOptions } from './remit.js';
export { eventStream } from './event-stream.js';
export type { EventStreamHandler } from './event-stream.js';
export type { EventStreamOptions } from './event-stream-options.js';
export { health } from './health.js';
export type { HealthBody } from './health.js';
export { toBrowserJson } from './browser-json.js';
export type { Register, RegisteredEvents, RegisteredRequests } from './request-bus.js';
