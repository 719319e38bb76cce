import { UsageError } from './errors.js';
import { type CliIo, readAll } from './io.js';

/**
 * The JSON payload of `publish` and `request`: the argument, or stdin when there is none. An
 * interactive terminal is never read, so a forgotten argument does not hang the command.
 */
export async function readJsonPayload(argument: string | undefined, io: CliIo): Promise<unknown> {
  let text: string;
  let source: string;
  if (argument !== undefined) {
    text = argument;
    source = 'the JSON argument';
  } else {
    if (io.stdin.isTTY === true) {
      throw new UsageError('no payload: give it as an argument (quote it for the shell) or pipe it to stdin.');
    }
    text = await readAll(io.stdin);
    source = 'stdin';
    if (text.trim() === '') throw new UsageError('stdin is empty: pipe a JSON payload, or give it as an argument.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (caught) {
    const reason = caught instanceof Error ? caught.message : String(caught);
    throw new UsageError(
      `${source} is not valid JSON (${reason}). Quote it for the shell, e.g. remit publish user.created '{"id":"u1"}'.`,
    );
  }
}
