import type { Bus, PayloadMap, EventMeta, EventName, RequestMap, RequestShape } from '@remit/core';
import type { Request, Response } from 'express';
import { type EventStreamOptions, normalizeEventStreamOptions } from './event-stream-options.js';
import { RingBuffer } from './ring-buffer.js';
import { sseComment, sseEvent, sseRetry } from './sse.js';
import { requireBus } from './option-checks.js';

/** What `eventStream()` returns: a request handler, plus a way to see and end its streams. */
export interface EventStreamHandler {
  (req: Request, res: Response): void;
  /** Browsers connected right now. */
  readonly connections: number;
  /**
   * Ends every open stream and stops listening on the bus; later requests get 503. Called by
   * itself when the bus closes, so `server.close()` is not held up by open streams.
   */
  close(): void;
}

interface StreamedEvent<E extends object> {
  readonly name: EventName<E>;
  readonly payload: E[EventName<E>];
  readonly meta: EventMeta;
  /** The whole SSE message, serialized once for every client. */
  readonly text: string;
}

/**
 * A Server-Sent Events handler that streams the listed bus events, from every instance including
 * this one, to browsers. Each event is sent as `event: <name>`, `id: <meta.id>` and
 * `data: <JSON payload>`; a `: ping` comment every `heartbeatMs` keeps the stream open. The last
 * `bufferSize` events are kept, so a browser that reconnects with `Last-Event-ID` (EventSource does
 * so by itself) gets exactly the events it missed.
 *
 * @example
 * app.get('/events', eventStream(bus, { events: ['order.placed'] }));
 * // in the browser:
 * new EventSource('/events').addEventListener('order.placed', (e) => show(JSON.parse(e.data)));
 */
export function eventStream<E extends object, R extends RequestShape<R> = RequestMap, P extends PayloadMap<E> = E>(
  bus: Bus<E, R, P>,
  options: EventStreamOptions<E>,
): EventStreamHandler {
  requireBus(bus);
  const { events, filter, heartbeatMs, bufferSize, retryMs, serialize } = normalizeEventStreamOptions<E>(options);
  const buffer = new RingBuffer<StreamedEvent<E>>(bufferSize);
  const clients = new Set<(event: StreamedEvent<E>) => void>();
  const ends = new Set<() => void>();
  let open = true;

  const wants = (event: StreamedEvent<E>, req: Request): boolean => {
    if (!filter) return true;
    try {
      return filter(event.name, event.payload, event.meta, req) === true;
    } catch (error) {
      warn(`the eventStream filter threw for "${event.name}" (${describe(error)}); the event was not sent to that client.`);
      return false;
    }
  };

  const receive = (name: EventName<E>, payload: E[EventName<E>], meta: EventMeta): void => {
    let text: string;
    try {
      text = sseEvent(name, meta.id, serialize(payload, name, meta));
    } catch (error) {
      // A bus handler that throws would be retried and dead-lettered; one unserializable
      // payload is not worth that, and no browser could use it anyway.
      warn(`could not serialize "${name}" for the event stream (${describe(error)}); it was not sent.`);
      return;
    }
    const event: StreamedEvent<E> = { name, payload, meta, text };
    buffer.push(event);
    for (const send of clients) send(event);
  };
  const subscriptions = events.map((name) => bus.on(name, (payload, meta) => receive(name, payload, meta)));
  const stopWatching = bus.onStatus(({ status }) => {
    if (status === 'closing' || status === 'closed') close();
  });

  function close(): void {
    if (!open) return;
    open = false;
    for (const unsubscribe of subscriptions) unsubscribe();
    stopWatching();
    for (const end of [...ends]) end();
  }

  const handler = Object.assign(
    function remitEventStream(req: Request, res: Response): void {
      if (!open) {
        res.status(503).set('Cache-Control', 'no-store').type('text/plain').send('The event stream is closed.');
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        // Tells nginx not to buffer the stream.
        'X-Accel-Buffering': 'no',
        ...(req.httpVersionMajor < 2 ? { Connection: 'keep-alive' } : {}),
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      // Events are small and should reach the browser now, not when a segment fills up.
      req.socket.setNoDelay(true);

      const write = (text: string): void => {
        res.write(text);
        flushCompression(res);
      };
      const lastId = lastEventId(req);
      const missed = lastId === undefined ? [] : (buffer.after((event) => event.meta.id === lastId) ?? []);
      write(sseRetry(retryMs) + missed.filter((event) => wants(event, req)).map((event) => event.text).join(''));

      const send = (event: StreamedEvent<E>): void => {
        if (wants(event, req)) write(event.text);
      };
      const heartbeat = heartbeatMs > 0 ? setInterval(() => write(sseComment('ping')), heartbeatMs) : undefined;
      heartbeat?.unref();
      const end = (): void => {
        clearInterval(heartbeat);
        clients.delete(send);
        ends.delete(end);
        handler.connections = clients.size;
        res.end();
      };
      clients.add(send);
      ends.add(end);
      handler.connections = clients.size;
      // 'close' fires when the browser goes away as well as after our own end().
      res.on('close', end);
    },
    { connections: 0, close },
  );
  return handler;
}

/** The id a reconnecting EventSource sends, or `?lastEventId=` for a page that opens a new one. */
function lastEventId(req: Request): string | undefined {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return header;
  const query = new URL(req.url, 'http://localhost').searchParams.get('lastEventId');
  return query === null || query === '' ? undefined : query;
}

function flushCompression(res: Response): void {
  // The `compression` middleware buffers writes until `res.flush()`; Express's own types do not know it.
  const flush = (res as Response & { flush?: unknown }).flush;
  if (typeof flush === 'function') flush.call(res);
}

function warn(message: string): void {
  process.emitWarning(`remit: ${message}`, { type: 'RemitEventStreamWarning' });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
