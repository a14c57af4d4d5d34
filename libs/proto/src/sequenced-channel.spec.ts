import { SequencedChannel } from './sequenced-channel';

type Body = { case: 'drift' | 'heartbeat'; id: number };
const channel = (capacity = 10, incarnation = 1n) => new SequencedChannel<Body>({ mustArrive: (body) => body.case === 'drift', capacity, incarnation });
const from = (incarnation: bigint, sequence: bigint) => ({ incarnation, sequence });

describe('SequencedChannel', () => {
  it('numbers messages one after another within its incarnation', () => {
    const sender = channel(10, 42n);
    expect(sender.stamp({ case: 'drift', id: 1 })).toMatchObject({ sequence: 1n, incarnation: 42n });
    expect(sender.stamp({ case: 'heartbeat', id: 2 })).toMatchObject({ sequence: 2n, incarnation: 42n });
  });

  it('keeps what must arrive until it is acknowledged, and only that', () => {
    const sender = channel();
    sender.stamp({ case: 'drift', id: 1 });
    sender.stamp({ case: 'heartbeat', id: 2 });
    sender.stamp({ case: 'drift', id: 3 });
    sender.stamp({ case: 'drift', id: 4 });
    expect(sender.unacknowledged().map((message) => message.body.id)).toEqual([1, 3, 4]);
    sender.acknowledge(3n);
    expect(sender.unacknowledged().map((message) => message.sequence)).toEqual([4n]);
    sender.acknowledge(4n);
    expect(sender.unacknowledged()).toEqual([]);
  });

  it('takes no acknowledgement from numbers of another incarnation', () => {
    const sender = channel(10, 7n);
    sender.stamp({ case: 'drift', id: 1 });
    sender.acknowledge(1_000n, 8n);
    expect(sender.unacknowledged()).toHaveLength(1);
  });

  it('drops the oldest unacknowledged message beyond its capacity', () => {
    const sender = channel(2);
    for (const id of [1, 2, 3]) sender.stamp({ case: 'drift', id });
    expect(sender.unacknowledged().map((message) => message.body.id)).toEqual([2, 3]);
  });

  it('tells a resent duplicate from a new message', () => {
    const receiver = channel();
    expect(receiver.isNew(from(5n, 7n))).toBe(true);
    receiver.handled(from(5n, 7n));
    // Not handled (it failed): a resent copy is still new.
    expect(receiver.isNew(from(5n, 8n))).toBe(true);
    expect(receiver.isNew(from(5n, 8n))).toBe(true);
    receiver.handled(from(5n, 8n));
    expect(receiver.isNew(from(5n, 8n))).toBe(false);
    expect(receiver.isNew(from(5n, 5n))).toBe(false);
    expect(receiver.lastHandled).toEqual(from(5n, 8n));
  });

  it('takes a restarted sender for new, however far its previous run had counted', () => {
    const receiver = channel();
    // A sender whose numbers ran far ahead (say its clock jumped) before it restarted.
    receiver.handled(from(5n, 2n ** 62n));
    const restarted = channel(10, 6n);
    expect(receiver.isNew(restarted.stamp({ case: 'drift', id: 1 }))).toBe(true);
    receiver.handled(from(6n, 1n));
    expect(receiver.isNew(restarted.stamp({ case: 'drift', id: 2 }))).toBe(true);
  });

  it('gives every channel its own random incarnation by default', () => {
    const a = new SequencedChannel<Body>({ mustArrive: () => true, capacity: 1 });
    const b = new SequencedChannel<Body>({ mustArrive: () => true, capacity: 1 });
    expect(a.incarnation).not.toBe(b.incarnation);
    expect(a.incarnation).toBeGreaterThanOrEqual(0n);
  });
});
