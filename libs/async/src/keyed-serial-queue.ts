/**
 * Runs tasks one after another per key, in the order they were queued, while tasks of different
 * keys run side by side. A failed task fails only its own promise; the tasks after it still run.
 */
export class KeyedSerialQueue<Key = string> {
  private readonly tails = new Map<Key, Promise<unknown>>();

  /** Queues `task` behind everything queued for `key` so far; resolves or rejects with it. */
  run<T>(key: Key, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forgotten once drained, so keys that come and go leave nothing behind.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Whether a task of `key` is queued or running. */
  busy(key: Key): boolean {
    return this.tails.has(key);
  }

  /** Settles once every task queued so far (for `key`, or for every key) has settled. */
  async drained(key?: Key): Promise<void> {
    await Promise.all(key === undefined ? [...this.tails.values()] : [this.tails.get(key)]);
  }
}
