export interface BackoffOptions {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

const JITTER = 0.2;

/**
 * Exponential backoff with ±20 % jitter, so many failing instances do not retry in lockstep. The
 * base is capped at maxDelayMs / 1.2, so even the highest jitter never exceeds maxDelayMs.
 */
export function backoffDelay(attempt: number, options: Omit<BackoffOptions, 'attempts'>): number {
  const base = Math.min(options.maxDelayMs / (1 + JITTER), options.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (1 - JITTER + Math.random() * 2 * JITTER));
}
