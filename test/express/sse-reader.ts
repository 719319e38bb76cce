import { waitFor } from '../helpers/broker.js';

/** One message of a Server-Sent Events stream, as the lines arrived (a comment is a message too). */
export interface SseFrame {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** Reads an SSE response over real HTTP with fetch's streaming reader and parses it as it arrives. */
export class SseReader {
  readonly frames: SseFrame[] = [];
  readonly status: number;
  readonly contentType: string | null;
  ended = false;
  readonly #abort: AbortController;
  #text = '';

  private constructor(response: Response, abort: AbortController) {
    this.status = response.status;
    this.contentType = response.headers.get('content-type');
    this.#abort = abort;
    const body = response.body;
    if (!body) throw new Error('the stream response has no body');
    void this.#pump(body.getReader());
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const abort = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    return new SseReader(response, abort);
  }

  /** The events (not comments or retry hints) received so far. */
  get events(): SseFrame[] {
    return this.frames.filter((frame) => frame.event !== undefined);
  }

  async until(what: string, check: (reader: SseReader) => boolean, timeoutMs = 10_000): Promise<void> {
    await waitFor(what, () => check(this), timeoutMs);
  }

  /** Goes away like a closed browser tab: the connection is dropped. */
  close(): void {
    this.#abort.abort();
  }

  async #pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.#text += decoder.decode(value, { stream: true });
        this.#parse();
      }
    } catch {
      // Aborted by close(), or the server dropped the connection: either way the stream ended.
    }
    this.ended = true;
  }

  #parse(): void {
    let end = this.#text.indexOf('\n\n');
    while (end >= 0) {
      const block = this.#text.slice(0, end);
      this.#text = this.#text.slice(end + 2);
      const frame: SseFrame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim();
        const match = /^(event|id|data|retry): ?(.*)$/.exec(line);
        if (!match) continue;
        const field = match[1] as 'event' | 'id' | 'data' | 'retry';
        const value = match[2] ?? '';
        frame[field] = field === 'data' && frame.data !== undefined ? `${frame.data}\n${value}` : value;
      }
      this.frames.push(frame);
      end = this.#text.indexOf('\n\n');
    }
  }
}
