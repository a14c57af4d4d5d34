import { ReportCoalescer } from './report-coalescer';

describe('status report coalescing', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends a first report at once, then at most one per interval per application, the latest', () => {
    const sent: Array<[string, string]> = [];
    const coalescer = new ReportCoalescer<string>(500, (key, value) => sent.push([key, value]));
    coalescer.offer('web', 'a', 'report a');
    coalescer.offer('web', 'b', 'report b');
    coalescer.offer('web', 'c', 'report c');
    coalescer.offer('api', 'x', 'report x');
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
    coalescer.offer('web', 'synced', 'first');
    jest.advanceTimersByTime(100);
    coalescer.offer('web', 'synced', 'the same again');
    coalescer.offer('web', 'drifted', 'drifted');
    coalescer.offer('web', 'synced', 'healed');
    jest.advanceTimersByTime(1_000);
    expect(sent).toEqual(['first']);
  });

  it('drops the pending report of a key it is told to forget', () => {
    const sent: string[] = [];
    const coalescer = new ReportCoalescer<string>(500, (key, value) => sent.push(`${key}: ${value}`));
    coalescer.offer('web', 'a', 'first');
    coalescer.offer('api', 'x', 'first');
    coalescer.offer('web', 'b', 'second');
    coalescer.offer('api', 'y', 'second');
    coalescer.forget('web');
    jest.advanceTimersByTime(1_000);
    expect(sent).toEqual(['web: first', 'api: first', 'api: second']);
  });

  it('sends again after a reset, whatever the report says', () => {
    const sent: string[] = [];
    const coalescer = new ReportCoalescer<string>(500, (_key, value) => sent.push(value));
    coalescer.offer('web', 'same', 'first');
    coalescer.reset();
    coalescer.offer('web', 'same', 'after reconnect');
    expect(sent).toEqual(['first', 'after reconnect']);
  });
});
