import { SequencedChannel } from './sequenced-channel';

type Body = { case: 'drift' | 'heartbeat'; id: number };
const channel = (capacity = 10) => new SequencedChannel<Body>({ mustArrive: (body) => body.case === 'drift', capacity, start: 100n });

describe('SequencedChannel', () => {
  it('numbers messages one after another from its start', () => {
    const sender = channel();
    expect(sender.stamp({ case: 'drift', id: 1 }).sequence).toBe(101n);
    expect(sender.stamp({ case: 'heartbeat', id: 2 }).sequence).toBe(102n);
  });

  it('keeps what must arrive until it is acknowledged, and only that', () => {
    const sender = channel();
    sender.stamp({ case: 'drift', id: 1 });
    sender.stamp({ case: 'heartbeat', id: 2 });
    sender.stamp({ case: 'drift', id: 3 });
    sender.stamp({ case: 'drift', id: 4 });
    expect(sender.unacknowledged().map((message) => message.body.id)).toEqual([1, 3, 4]);
    sender.acknowledge(103n);
    expect(sender.unacknowledged().map((message) => message.sequence)).toEqual([104n]);
    sender.acknowledge(104n);
    expect(sender.unacknowledged()).toEqual([]);
  });

  it('drops the oldest unacknowledged message beyond its capacity', () => {
    const sender = channel(2);
    for (const id of [1, 2, 3]) sender.stamp({ case: 'drift', id });
    expect(sender.unacknowledged().map((message) => message.body.id)).toEqual([2, 3]);
  });

  it('tells a resent duplicate from a new message', () => {
    const receiver = channel();
    expect(receiver.isNew(7n)).toBe(true);
    receiver.handled(7n);
    // Not handled (it failed): a resent copy is still new.
    expect(receiver.isNew(8n)).toBe(true);
    expect(receiver.isNew(8n)).toBe(true);
    receiver.handled(8n);
    expect(receiver.isNew(8n)).toBe(false);
    expect(receiver.isNew(5n)).toBe(false);
    expect(receiver.lastHandledSequence).toBe(8n);
  });

  it('starts from the clock by default, so a restarted sender is never taken for a duplicate', () => {
    const before = new SequencedChannel<Body>({ mustArrive: () => true, capacity: 1 }).stamp({ case: 'drift', id: 1 }).sequence;
    const receiver = channel();
    receiver.handled(before);
    const restarted = new SequencedChannel<Body>({ mustArrive: () => true, capacity: 1, start: BigInt(Date.now() + 1) * 1000n }).stamp({ case: 'drift', id: 1 }).sequence;
    expect(receiver.isNew(restarted)).toBe(true);
  });
});
