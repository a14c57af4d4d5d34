import { ReportCoalescer } from './report-coalescer';

describe('status report coalescing', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends a first report at once, then at most one per interval per application, the latest', () => {
    const sent: Array<[string, string]> = [];
    const coalescer = new ReportCoalescer<string>(500, (key, value) => sent.push([key, value]));
    coalescer.offer('web', () => ({ signature: 'a', value: 'report a' }));
    coalescer.offer('web', () => ({ signature: 'b', value: 'report b' }));
    coalescer.offer('web', () => ({ signature: 'c', value: 'report c' }));
    coalescer.offer('api', () => ({ signature: 'x', value: 'report x' }));
    expect(sent).toEqual([
      ['web', 'report a'],
      ['api', 'report x'],
    ]);
    jest.advanceTimersByTime(499);
    expect(sent).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([
      ['web', 'report a'],
      ['api', 'report x'],
      ['web', 'report c'],
    ]);
  });

  it('sends nothing when nothing changed, nor for a change undone within the interval', () => {
    const sent: string[] = [];
    const coalescer = new ReportCoalescer<string>(500, (_key, value) => sent.push(value));
    coalescer.offer('web', () => ({ signature: 'synced', value: 'first' }));
    jest.advanceTimersByTime(100);
    coalescer.offer('web', () => ({ signature: 'synced', value: 'the same again' }));
    coalescer.offer('web', () => ({ signature: 'drifted', value: 'drifted' }));
    coalescer.offer('web', () => ({ signature: 'synced', value: 'healed' }));
    jest.advanceTimersByTime(1_000);
    expect(sent).toEqual(['first']);
  });

  it('composes a burst of offers once, when the interval ends', () => {
    const sent: string[] = [];
    let compositions = 0;
    const coalescer = new ReportCoalescer<string>(500, (_key, value) => sent.push(value));
    const offer = (value: string) =>
      coalescer.offer('web', () => {
        compositions++;
        return { signature: value, value };
      });
    offer('first');
    for (let event = 0; event < 100; event++) offer(`event ${event}`);
    expect(compositions).toBe(1);
    jest.advanceTimersByTime(500);
    expect(compositions).toBe(2);
    expect(sent).toEqual(['first', 'event 99']);
  });

  it('drops the pending report of a key it is told to forget', () => {
    const sent: string[] = [];
    const coalescer = new ReportCoalescer<string>(500, (key, value) => sent.push(`${key}: ${value}`));
    coalescer.offer('web', () => ({ signature: 'a', value: 'first' }));
    coalescer.offer('api', () => ({ signature: 'x', value: 'first' }));
    coalescer.offer('web', () => ({ signature: 'b', value: 'second' }));
    coalescer.offer('api', () => ({ signature: 'y', value: 'second' }));
    coalescer.forget('web');
    jest.advanceTimersByTime(1_000);
    expect(sent).toEqual(['web: first', 'api: first', 'api: second']);
  });

  it('sends again after a reset, whatever the report says', () => {
    const sent: string[] = [];
    const coalescer = new ReportCoalescer<string>(500, (_key, value) => sent.push(value));
    coalescer.offer('web', () => ({ signature: 'same', value: 'first' }));
    coalescer.reset();
    coalescer.offer('web', () => ({ signature: 'same', value: 'after reconnect' }));
    expect(sent).toEqual(['first', 'after reconnect']);
  });
});
