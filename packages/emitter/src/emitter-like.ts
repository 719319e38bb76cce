/**
 * What `bridge` needs from an emitter. `node:events`, eventemitter3 and EventEmitter2 all fit;
 * anything with `on`, `emit` and `off` (or `removeListener`) does.
 */
export interface EmitterLike {
  on(event: string, listener: (...args: unknown[]) => unknown): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  off?(event: string, listener: (...args: unknown[]) => unknown): unknown;
  removeListener?(event: string, listener: (...args: unknown[]) => unknown): unknown;
}

/** Removes a listener with whichever method the emitter has. */
export function removeListener(emitter: EmitterLike, event: string, listener: (...args: unknown[]) => unknown): void {
  if (typeof emitter.off === 'function') emitter.off(event, listener);
  else if (typeof emitter.removeListener === 'function') emitter.removeListener(event, listener);
}

export function isEmitterLike(value: unknown): value is EmitterLike {
  // An Express app is an emitter and a function at once.
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.on === 'function' &&
    typeof candidate.emit === 'function' &&
    (typeof candidate.off === 'function' || typeof candidate.removeListener === 'function')
  );
}
