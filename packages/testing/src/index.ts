export { testHarness, TestHarness } from './test-harness.js';
export type { PublishAndWaitOptions, WaitOptions } from './test-harness.js';
export type { HarnessOptions } from './harness-options.js';
export { TrackingTimeoutError } from './tracking-timeout-error.js';
export type {
  HarnessBus,
  TrackedSession,
  TrackedMessage,
  TrackedHandling,
  TrackedFailure,
  TrackedDeadLetter,
  TrackedRequest,
} from './tracked-session.js';
