/** A report and what identifies its content (what must change for it to be sent again). */
export interface Report<T> {
  signature: string;
  value: T;
}

/**
 * Sends at most one report per key per interval, and only reports that changed: a burst of
 * watch events becomes one report, the last one, at the end of the interval. Reports are composed
 * only when they may be sent, so a burst costs one composition, not one per event.
 */
export class ReportCoalescer<T> {
  private readonly last = new Map<string, { signature: string; sentAt: number }>();
  private readonly pending = new Map<string, { compose: () => Report<T>; timer: NodeJS.Timeout }>();

  constructor(
    private readonly intervalMs: number,
    private readonly send: (key: string, value: T) => void,
  ) {}

  /** Offers the report `compose` makes: now when the key's interval has passed, else at its end, composed then. */
  offer(key: string, compose: () => Report<T>): void {
    const pending = this.pending.get(key);
    if (pending) {
      pending.compose = compose;
      return;
    }
    const last = this.last.get(key);
    const wait = last ? last.sentAt + this.intervalMs - Date.now() : 0;
    if (wait <= 0) return this.deliverIfChanged(key, compose());
    const timer = setTimeout(() => {
      const due = this.pending.get(key);
      this.pending.delete(key);
      if (due) this.deliverIfChanged(key, due.compose());
    }, wait);
    timer.unref();
    this.pending.set(key, { compose, timer });
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

  private deliverIfChanged(key: string, report: Report<T>): void {
    if (this.last.get(key)?.signature === report.signature) return;
    this.last.set(key, { signature: report.signature, sentAt: Date.now() });
    this.send(key, report.value);
  }
}
