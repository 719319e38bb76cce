/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) headers as remit writes and reads them.
 * They are part of the wire format (docs/wire-format.md), so remit formats them itself instead of
 * going through the application's global propagator: that one may be unset (the OpenTelemetry
 * default propagates nothing) or speak another format, and the headers would silently vanish.
 */

/** Header carrying the trace id, the sending span's id and the sampling flag. */
export const TRACEPARENT = 'traceparent';
/** Header carrying vendor-specific trace data, passed along unchanged. */
export const TRACESTATE = 'tracestate';

export interface TraceParent {
  traceId: string;
  spanId: string;
  /** Bit 0: sampled. */
  traceFlags: number;
}

const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// A later version may append fields after a dash; its first four are read as version 00's.
const LATER_VERSION = /^(?!ff)[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** `00-<trace id>-<span id>-<flags>` */
export function formatTraceparent(parent: TraceParent): string {
  const flags = (parent.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${parent.traceId}-${parent.spanId}-${flags}`;
}

/** Reads a `traceparent` header; anything malformed (or the all-zero ids the spec forbids) is undefined. */
export function parseTraceparent(header: string | undefined): TraceParent | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  const match = value.startsWith('00-') ? VERSION_00.exec(value) : LATER_VERSION.exec(value);
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = ''] = match;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}
