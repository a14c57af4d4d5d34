import { agentTime } from './agent-time';

describe('agentTime', () => {
  it('takes the time an agent reports, and now for none or one no date can hold', () => {
    expect(agentTime(1_796_000_000_000n).toISOString()).toBe('2026-11-30T00:53:20.000Z');
    const before = Date.now();
    for (const unusable of [0n, -5n, 2n ** 63n - 1n]) {
      const time = agentTime(unusable).getTime();
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(Date.now());
    }
  });
});
