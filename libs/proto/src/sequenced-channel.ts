import { randomBytes } from 'node:crypto';

/** A message as it goes on the Connect stream: numbered by its sender, in the sender's incarnation. */
export interface Sequenced<Body> {
  sequence: bigint;
  incarnation: bigint;
  body: Body;
}

/** Where a receiver stands with a sender: the last message handled, in which incarnation of it. */
export interface HandledPosition {
  incarnation: bigint;
  sequence: bigint;
}

export interface SequencedChannelOptions<Body> {
  /** Which messages must reach the other side even across a reconnect; the rest are sent once. */
  mustArrive(body: Body): boolean;
  /** How many unacknowledged messages are kept; beyond it the oldest are dropped (periodic checksums catch what they said). */
  capacity: number;
  /** This side's incarnation; random by default, see {@link newIncarnation}. */
  incarnation?: bigint;
}

/**
 * A random 63-bit number naming one run of a sender. Sequence numbers count within it, so neither a
 * restart nor a clock that jumps can make a receiver take new messages for duplicates of old ones.
 */
export function newIncarnation(): bigint {
  return randomBytes(8).readBigUInt64BE() >> 1n;
}

/**
 * One side's half of the Connect stream's delivery guarantee, kept across sessions: numbers what
 * it sends and keeps what must arrive until the other side acknowledges it, so it can be resent
 * after a reconnect; and tells a message received for the first time from a resent duplicate.
 */
export class SequencedChannel<Body> {
  readonly incarnation: bigint;
  private next = 0n;
  private readonly pending: Sequenced<Body>[] = [];
  private position: HandledPosition = { incarnation: 0n, sequence: 0n };

  constructor(private readonly options: SequencedChannelOptions<Body>) {
    this.incarnation = options.incarnation ?? newIncarnation();
  }

  /** Numbers a message for sending, keeping it until acknowledged when it must arrive. */
  stamp(body: Body): Sequenced<Body> {
    const message = { sequence: ++this.next, incarnation: this.incarnation, body };
    if (this.options.mustArrive(body)) {
      this.pending.push(message);
      if (this.pending.length > this.options.capacity) this.pending.shift();
    }
    return message;
  }

  /** The other side handled everything up to `sequence` of this incarnation; another incarnation's numbers say nothing of ours. */
  acknowledge(sequence: bigint, incarnation: bigint = this.incarnation): void {
    if (incarnation !== this.incarnation) return;
    let handled = 0;
    while (handled < this.pending.length && this.pending[handled].sequence <= sequence) handled++;
    this.pending.splice(0, handled);
  }

  /** What must still arrive, oldest first: to resend on a new session. */
  unacknowledged(): readonly Sequenced<Body>[] {
    return this.pending;
  }

  /**
   * Whether a received message is new. Messages of one incarnation arrive in order on one stream and
   * resent ones come first on the next, so anything not above the last one handled was handled
   * before; a message of another incarnation comes from a sender that started again.
   */
  isNew(message: HandledPosition): boolean {
    return message.incarnation !== this.position.incarnation || message.sequence > this.position.sequence;
  }

  /** A received message was handled: a resent copy of it is a duplicate. */
  handled(message: HandledPosition): void {
    if (this.isNew(message)) this.position = { incarnation: message.incarnation, sequence: message.sequence };
  }

  /** The last message handled from the other side: what it need not resend. */
  get lastHandled(): HandledPosition {
    return this.position;
  }
}
