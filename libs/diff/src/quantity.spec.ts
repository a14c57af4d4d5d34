import { parseQuantity, sameQuantity } from './quantity';

describe('quantities', () => {
  it.each([
    ['500m', '0.5'],
    ['1Gi', '1024Mi'],
    ['1G', '1000M'],
    ['2', 2],
    ['1e3', '1k'],
    ['0.1', '100m'],
    ['1.5Gi', '1536Mi'],
    ['129M', '129e6'],
  ])('%j is the same quantity as %j', (a, b) => expect(sameQuantity(a, b)).toBe(true));

  it.each([
    ['500m', '0.6'],
    ['1Gi', '1G'],
    ['1Mi', '1M'],
  ])('%j is not the same quantity as %j', (a, b) => expect(sameQuantity(a, b)).toBe(false));

  it.each(['', 'abc', '1.2.3', 'Gi', '1Xi', '--1'])('refuses %j', (text) => expect(parseQuantity(text)).toBeNull());
});
