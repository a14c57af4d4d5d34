import { canonicalJson, contentDigest } from './canonical-json';

describe('canonical JSON', () => {
  it('sorts keys at every level and drops whitespace', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: 'x' })).toBe('{"a":"x","b":[{"c":2,"d":1}]}');
  });

  it('gives equal digests for equal content in any key order', () => {
    expect(contentDigest({ a: 1, b: 2 })).toBe(contentDigest({ b: 2, a: 1 }));
    expect(contentDigest({ a: 1 })).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(contentDigest({ a: 1 })).not.toBe(contentDigest({ a: 2 }));
  });
});
