import { compareYamlKeys, formatYamlDocument, toKustomizeYaml } from './kustomize-yaml';

describe('kustomize YAML output', () => {
  it('sorts keys like go-yaml: numbers by value, non-letters before letters', () => {
    expect(['a10', 'b', 'A', '_x', 'a9', '10', '2', 'a09'].sort(compareYamlKeys)).toEqual(['_x', '2', '10', 'A', 'a9', 'a09', 'a10', 'b']);
  });

  it('does not indent sequences under their key and separates documents with ---', () => {
    const text = toKustomizeYaml([
      { kind: 'A', spec: { items: [{ name: 'x', ports: [80] }, [1, 2]], empty: {}, none: [] } },
      { kind: 'B' },
    ]);
    expect(text).toBe(
      'kind: A\nspec:\n  empty: {}\n  items:\n  - name: x\n    ports:\n    - 80\n  - - 1\n    - 2\n  none: []\n---\nkind: B\n',
    );
  });

  it.each([
    ['yes', '"yes"'],
    ['on', '"on"'],
    ['null', '"null"'],
    ['', '""'],
    ['12:30', '"12:30"'],
    ['1_000', '"1_000"'],
    ['0o17', '"0o17"'],
    ['2001-12-14', '"2001-12-14"'],
    ['1e3', '"1e3"'],
    ['NaN', 'NaN'],
    ['<<', '<<'],
    [' lead', "' lead'"],
    ['a: b', "'a: b'"],
    ['*star', "'*star'"],
    ["it's", "it's"],
    ['tab\there', '"tab\\there"'],
    ['hi 😀', '"hi \\U0001F600"'],
  ])('quotes the string %j as go-yaml v2 does', (value, expected) => {
    expect(formatYamlDocument({ v: value })).toBe(`v: ${expected}\n`);
  });

  it('writes multi-line strings as literal blocks with chomping indicators', () => {
    expect(formatYamlDocument({ a: 'x\ny\n', b: 'x\ny', c: '  indented\nline' })).toBe('a: |\n  x\n  y\nb: |-\n  x\n  y\nc: |2-\n    indented\n  line\n');
  });

  it('folds long plain strings after column 80', () => {
    const long = Array.from({ length: 20 }, () => 'word').join(' ');
    expect(formatYamlDocument({ key: long })).toBe(`key: ${Array.from({ length: 16 }, () => 'word').join(' ')}\n  word word word word\n`);
  });

  it('prints numbers as Go does after a JSON round trip', () => {
    expect(formatYamlDocument({ a: 1, b: 1.5, c: 2.0, d: 0.00001, e: 1234567.5 })).toBe('a: 1\nb: 1.5\nc: 2\nd: 1e-05\ne: 1.2345675e+06\n');
  });
});
