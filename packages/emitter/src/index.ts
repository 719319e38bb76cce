export { bridge } from './bridge.js';
export type { Unbridge } from './bridge.js';
export { RemoteEmitter } from './remote-emitter.js';
export type { RemoteEmitterOptions, RemoteEventTypes } from './remote-emitter.js';
export type { BridgeOptions } from './options.js';
export type { EmitterLike } from './emitter-like.js';
