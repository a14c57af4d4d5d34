/** A message as it goes on the Connect stream: numbered by its sender. */
export interface Sequenced<Body> {
  sequence: bigint;
  body: Body;
}

export interface SequencedChannelOptions<Body> {
  /** Which messages must reach the other side even across a reconnect; the rest are sent once. */
  mustArrive(body: Body): boolean;
  /** How many unacknowledged messages are kept; beyond it the oldest are dropped (periodic checksums catch what they said). */
  capacity: number;
  /** The first sequence number; by default derived from the clock, see {@link clockSequenceBase}. */
  start?: bigint;
}

/**
 * Sequence numbers start from the clock in microseconds, so they keep growing across restarts of
 * the sender and the receiver never mistakes a restarted sender's messages for duplicates.
 */
export function clockSequenceBase(): bigint {
  return BigInt(Date.now()) * 1000n;
}

/**
 * One side's half of the Connect stream's delivery guarantee, kept across sessions: numbers what
 * it sends and keeps what must arrive until the other side acknowledges it, so it can be resent
 * after a reconnect; and tells a message received for the first time from a resent duplicate.
 */
export class SequencedChannel<Body> {
  private next: bigint;
  private readonly pending: Sequenced<Body>[] = [];
  private lastHandled = 0n;

  constructor(private readonly options: SequencedChannelOptions<Body>) {
    this.next = options.start ?? clockSequenceBase();
  }

  /** Numbers a message for sending, keeping it until acknowledged when it must arrive. */
  stamp(body: Body): Sequenced<Body> {
    const message = { sequence: ++this.next, body };
    if (this.options.mustArrive(body)) {
      this.pending.push(message);
      if (this.pending.length > this.options.capacity) this.pending.shift();
    }
    return message;
  }

  /** The other side handled everything up to `sequence`. */
  acknowledge(sequence: bigint): void {
    let handled = 0;
    while (handled < this.pending.length && this.pending[handled].sequence <= sequence) handled++;
    this.pending.splice(0, handled);
  }

  /** What must still arrive, oldest first: to resend on a new session. */
  unacknowledged(): readonly Sequenced<Body>[] {
    return this.pending;
  }

  /**
   * Whether a received message is new. Messages arrive in order on one stream and resent ones come
   * first on the next, so anything not above the last one handled was handled before.
   */
  isNew(sequence: bigint): boolean {
    return sequence > this.lastHandled;
  }

  /** A received message was handled: a resent copy of it is a duplicate. */
  handled(sequence: bigint): void {
    if (sequence > this.lastHandled) this.lastHandled = sequence;
  }

  /** The last message handled from the other side: what it need not resend. */
  get lastHandledSequence(): bigint {
    return this.lastHandled;
  }
}
