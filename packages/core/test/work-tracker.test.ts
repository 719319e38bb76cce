import { describe, expect, it } from 'vitest';
import { WorkTracker } from '../src/lifecycle/work-tracker.js';

function deferred() {
  let resolve = (): void => {};
  let reject = (_error: Error): void => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('WorkTracker', () => {
  it('is idle at once with nothing running', async () => {
    const tracker = new WorkTracker(() => {});
    let idle = false;
    await tracker.idle().then(() => (idle = true));
    expect(idle).toBe(true);
  });

  it('lets every waiter go once the last piece of work ends, failed ones included, and reports the failure', async () => {
    const errors: string[] = [];
    const tracker = new WorkTracker((error) => errors.push(error.message));
    const first = deferred();
    const second = deferred();
    tracker.track(first.promise);
    tracker.track(second.promise);
    const settled: string[] = [];
    const waiters = [tracker.idle().then(() => settled.push('one')), tracker.idle().then(() => settled.push('two'))];
    first.resolve();
    await first.promise;
    await Promise.resolve();
    expect(settled).toEqual([]);
    second.reject(new Error('handler blew up'));
    await Promise.all(waiters);
    expect(settled).toEqual(['one', 'two']);
    expect(errors).toEqual(['handler blew up']);
  });

  it('waits again for work tracked after it was idle', async () => {
    const tracker = new WorkTracker(() => {});
    const first = deferred();
    tracker.track(first.promise);
    first.resolve();
    await tracker.idle();
    const later = deferred();
    tracker.track(later.promise);
    let idle = false;
    const waiting = tracker.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    later.resolve();
    await waiting;
    expect(idle).toBe(true);
  });
});
