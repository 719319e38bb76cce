/**
 * Exit codes scripts can rely on. They never change meaning; the README lists them.
 */
export const ExitCode = {
  /** The command did what it was asked. */
  ok: 0,
  /** Something failed at run time: the broker is unreachable, a publish was not confirmed, a dead letter could not be replayed. */
  failure: 1,
  /** The command line is wrong: unknown command or flag, a missing argument, JSON that does not parse. Nothing was sent. */
  usage: 2,
  /** `remit request`: nobody serves that name, or no reply came within `--timeout`. */
  noReply: 3,
  /** `remit request`: the responder's handler threw; its error is printed. */
  remoteError: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
