import { KeyedSerialQueue } from './keyed-serial-queue';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedSerialQueue', () => {
  it('runs the tasks of one key one after another, in the order queued', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    const slow = queue.run('a', async () => {
      log.push('first starts');
      await tick();
      await tick();
      log.push('first ends');
    });
    const next = queue.run('a', async () => {
      log.push('second');
    });
    await Promise.all([slow, next]);
    expect(log).toEqual(['first starts', 'first ends', 'second']);
  });

  it('runs the tasks of different keys side by side', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    let release!: () => void;
    const blocked = queue.run('a', () => new Promise<void>((resolve) => (release = resolve)));
    await queue.run('b', async () => {
      log.push('b ran while a waits');
    });
    expect(log).toEqual(['b ran while a waits']);
    release();
    await blocked;
  });

  it('goes on after a failed task, which fails only its own promise', async () => {
    const queue = new KeyedSerialQueue();
    const failed = queue.run('a', () => Promise.reject(new Error('apply failed')));
    const after = queue.run('a', async () => 'ran');
    await expect(failed).rejects.toThrow('apply failed');
    await expect(after).resolves.toBe('ran');
  });

  it('tells whether a key is busy, and forgets it once drained', async () => {
    const queue = new KeyedSerialQueue();
    const done = queue.run('a', tick);
    expect(queue.busy('a')).toBe(true);
    expect(queue.busy('b')).toBe(false);
    await done;
    await queue.drained();
    expect(queue.busy('a')).toBe(false);
  });
});
