import { compareQuantities, isQuantity, parseQuantity, quantityAsFloat, quantityAsInteger } from './quantity';

describe('parsing Kubernetes quantities', () => {
  it.each<[string, bigint]>([
    ['1', 1_000_000_000n],
    ['0', 0n],
    ['500m', 500_000_000n],
    ['1.5', 1_500_000_000n],
    ['.5', 500_000_000n],
    ['-2', -2_000_000_000n],
    ['+3k', 3_000_000_000_000n],
    ['1Ki', 1024n * 1_000_000_000n],
    ['1Mi', 1024n ** 2n * 1_000_000_000n],
    ['1Gi', 1024n ** 3n * 1_000_000_000n],
    ['1.5Gi', 1610612736n * 1_000_000_000n],
    ['1Ei', 1024n ** 6n * 1_000_000_000n],
    ['1G', 1_000_000_000n * 1_000_000_000n],
    ['1E', 10n ** 18n * 1_000_000_000n],
    ['100n', 100n],
    ['1u', 1000n],
    ['1e3', 1000n * 1_000_000_000n],
    ['1E3', 1000n * 1_000_000_000n],
    ['5e-3', 5_000_000n],
    ['1.5e+1', 15_000_000_000n],
    ['0.1n', 1n],
    ['-0.1n', -1n],
    ['1e-20', 1n],
    ['1e30', (2n ** 63n - 1n) * 1_000_000_000n],
    ['1e2147483647', (2n ** 63n - 1n) * 1_000_000_000n],
    ['007', 7_000_000_000n],
  ])('%s is %p nanos', (text, nanos) => {
    expect(parseQuantity(text).nanos).toBe(nanos);
  });

  it.each(['', 'Gi', '1K', '1Gb', '1.2.3', '1e', '1ee3', '--1', '1 Gi', 'one', '1e3.5', '1mi'])('rejects %p', (text) => {
    expect(() => parseQuantity(text)).toThrow(`invalid quantity "${text}"`);
    expect(isQuantity(text)).toBe(false);
  });
});

describe('comparing quantities exactly', () => {
  it.each<[string, string, -1 | 0 | 1]>([
    ['1Gi', '1G', 1],
    ['500m', '1', -1],
    ['1e3', '1k', 0],
    ['1000m', '1', 0],
    ['1Mi', '1048576', 0],
    ['1Ki', '1024', 0],
    ['0.001', '1m', 0],
    ['1n', '0', 1],
    ['-1', '1', -1],
    ['129Mi', '128Mi', 1],
    ['9223372036854775807', '9223372036854775806', 1],
    ['1.0000000001', '1.000000001', 0],
  ])('%s against %s is %p', (a, b, expected) => {
    expect(compareQuantities(parseQuantity(a), parseQuantity(b))).toBe(expected);
  });

  it('gives whole quantities as integers, others not', () => {
    expect(quantityAsInteger(parseQuantity('2k'))).toBe(2000n);
    expect(quantityAsInteger(parseQuantity('1500m'))).toBeUndefined();
    expect(quantityAsFloat(parseQuantity('1500m'))).toBe(1.5);
    expect(quantityAsFloat(parseQuantity('1Gi'))).toBe(1073741824);
  });
});
