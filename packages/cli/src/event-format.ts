import { inspect } from 'node:util';
import type { EventView } from './event-view.js';
import { type OutputStream, painter } from './io.js';

/** Local time with milliseconds, `14:03:07.123`: events are read as they happen. */
function clock(date: Date | null): string {
  if (date === null) return '--:--:--.---';
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Renders a decoded payload as a terminal user reads it: `{ id: 'u1', at: 2026-11-24T12:00:00.000Z }`. */
export function showPayload(payload: unknown, colors: boolean): string {
  return inspect(payload, { colors, depth: 6, breakLength: Number.POSITIVE_INFINITY, compact: true });
}

/** One readable line per event: time, name, service/instance, id, headers, payload. */
export function eventLine(view: EventView, stream: OutputStream): string {
  const paint = painter(stream);
  const colors = paint('red', 'x') !== 'x';
  const origin = `${view.service ?? '?'}/${view.instance ?? '?'}`;
  const headers = Object.entries(view.headers).map(([key, value]) => `${key}=${String(value)}`);
  const parts = [
    paint('dim', clock(view.publishedAt)),
    paint(['bold', 'cyan'], view.name),
    paint('magenta', view.to === null ? origin : `${origin} -> ${view.to}`),
    paint('dim', view.id ?? 'no-id'),
    ...(headers.length > 0 ? [paint('yellow', `[${headers.join(' ')}]`)] : []),
    showPayload(view.payload, colors),
    ...(view.error === undefined ? [] : [paint('red', `(undecodable: ${view.error})`)]),
  ];
  return parts.join('  ');
}
