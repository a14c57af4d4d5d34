/** How retries space out: exponentially from `initialMs`, never beyond `maxMs`. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * The wait before retry number `attempt` (0 for the first): exponential backoff with full jitter,
 * so that many clients retrying against one server (a fleet after a hub restart, watches after an
 * API server restart) do not retry in step.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return random() * ceiling;
}
