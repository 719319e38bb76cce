/** The JSON body of every error the gateway answers. */
export interface GatewayErrorBody {
  error: {
    name: string;
    message: string;
    /** A body that failed the schema: each issue, with where it is (`items[0].sku`). */
    issues?: { path: string; message: string }[];
  };
}

/** A request the gateway refuses itself, before anything is sent: its status and body are the answer. */
export class GatewayRejection extends Error {
  constructor(
    readonly status: 400 | 413,
    readonly body: GatewayErrorBody,
  ) {
    super(body.error.message);
    this.name = body.error.name;
  }
}

/** An error as an HTTP status and body. Matched by name, so a second copy of @remit/core maps the same. */
export function errorResponse(error: unknown): { status: number; body: GatewayErrorBody } {
  if (error instanceof GatewayRejection) return { status: error.status, body: error.body };
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  switch (name) {
    case 'NoResponderError':
    case 'ClosedError':
    case 'ConnectionError':
      return { status: 503, body: { error: { name, message } } };
    case 'RequestTimeoutError':
      return { status: 504, body: { error: { name, message } } };
    case 'PayloadTooLargeError':
      return { status: 413, body: { error: { name, message } } };
    case 'RemoteError':
      return remoteError(error);
    default:
      return { status: 500, body: { error: { name, message } } };
  }
}

/**
 * The responder's handler threw: 502 with its message (not where it ran: the service and instance
 * stay inside). A responder that rejects its input by throwing a ValidationError gets a 400.
 */
function remoteError(error: unknown): { status: number; body: GatewayErrorBody } {
  const remoteName = stringField(error, 'remoteName');
  const remoteMessage = stringField(error, 'remoteMessage') ?? 'the responder failed';
  if (remoteName === 'ValidationError') return { status: 400, body: { error: { name: 'ValidationError', message: remoteMessage } } };
  return { status: 502, body: { error: { name: 'RemoteError', message: remoteMessage } } };
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field: unknown = Reflect.get(value, key);
  return typeof field === 'string' ? field : undefined;
}
