/** Polls `probe` until `accept` holds for its value or the time is up; returns the last value either way, for the assertion that follows. */
export async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until `condition` holds; throws when it does not in time. */
export async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  if (!(await eventually(condition, (met) => met, timeoutMs))) throw new Error('condition not met in time');
}
