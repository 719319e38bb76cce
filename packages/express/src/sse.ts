/** Text of one Server-Sent Events message (the wire format browsers' EventSource reads). */
export function sseEvent(name: string, id: string, data: string): string {
  // A data field ends at a line break, so a multi-line text is sent as one data line per line;
  // EventSource joins them back with "\n".
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join('');
  return `event: ${oneLine(name)}\nid: ${oneLine(id)}\n${lines}\n`;
}

/** A comment line: EventSource ignores it, but it keeps proxies and load balancers from timing the stream out. */
export function sseComment(text: string): string {
  return `: ${oneLine(text)}\n\n`;
}

/** Tells EventSource how long to wait before reconnecting. */
export function sseRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}

// An id with a NUL is ignored by EventSource and a line break would start a new field.
function oneLine(text: string): string {
  return text.replace(/[\r\n\0]/g, ' ');
}
