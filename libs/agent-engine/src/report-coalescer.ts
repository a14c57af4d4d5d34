/**
 * Sends at most one report per key per interval, and only reports that changed: a burst of
 * watch events becomes one report, the last one, at the end of the interval.
 */
export class ReportCoalescer<T> {
  private readonly last = new Map<string, { signature: string; sentAt: number }>();
  private readonly pending = new Map<string, { signature: string; value: T; timer: NodeJS.Timeout }>();

  constructor(
    private readonly intervalMs: number,
    private readonly send: (key: string, value: T) => void,
  ) {}

  /** Offers a report; `signature` identifies its content (what must change for it to be sent again). */
  offer(key: string, signature: string, value: T): void {
    const pending = this.pending.get(key);
    if (pending) {
      pending.signature = signature;
      pending.value = value;
      return;
    }
    const last = this.last.get(key);
    if (last?.signature === signature) return;
    const wait = last ? last.sentAt + this.intervalMs - Date.now() : 0;
    if (wait <= 0) return this.deliver(key, signature, value);
    const timer = setTimeout(() => {
      const due = this.pending.get(key);
      this.pending.delete(key);
      if (due && this.last.get(key)?.signature !== due.signature) this.deliver(key, due.signature, due.value);
    }, wait);
    timer.unref();
    this.pending.set(key, { signature, value, timer });
  }

  /** Forgets what was sent, so the next report goes out whatever it says (e.g. after a reconnect). */
  reset(): void {
    for (const key of [...this.last.keys(), ...this.pending.keys()]) this.forget(key);
  }

  /** Drops a key's pending report and what was sent for it (e.g. an application the cluster no longer runs). */
  forget(key: string): void {
    const pending = this.pending.get(key);
    if (pending) clearTimeout(pending.timer);
    this.pending.delete(key);
    this.last.delete(key);
  }

  private deliver(key: string, signature: string, value: T): void {
    this.last.set(key, { signature, sentAt: Date.now() });
    this.send(key, value);
  }
}
