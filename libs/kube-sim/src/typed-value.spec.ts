import { builtinFieldSchema } from './field-schema';
import { FieldSet, formatPath } from './field-set';
import { compareObjects, fieldSetOf, mergeApplied, removeFields } from './typed-value';

const podSpec = (containers: unknown[]) => ({ spec: { template: { spec: { containers } } } });

describe('field sets over typed values', () => {
  it('round-trips the FieldsV1 form, marking nodes that are members and have children with "."', () => {
    const fields = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } };
    const set = FieldSet.fromFieldsV1(fields);
    expect(set.has(['f:metadata', 'f:labels'])).toBe(true);
    expect(set.has(['f:spec'])).toBe(false);
    expect(set.toFieldsV1()).toEqual(fields);
  });

  it.each([
    [['f:spec', 'f:replicas'], '.spec.replicas'],
    [['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'], '.spec.containers[name="web"].image'],
    [['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'], '.spec.ports[port=80,protocol="TCP"]'],
    [['f:metadata', 'f:finalizers', 'v:"example.com/x"'], '.metadata.finalizers[="example.com/x"]'],
  ])('formats %j as %s', (elements, text) => {
    expect(formatPath(elements)).toBe(text);
  });

  it('keys container ports by port and defaulted protocol, and treats selectors as atomic', () => {
    const set = fieldSetOf({ spec: { selector: { matchLabels: { app: 'x' } }, ...podSpec([{ name: 'a', ports: [{ containerPort: 80 }] }]).spec } }, builtinFieldSchema);
    expect(set.toFieldsV1()).toEqual({
      'f:spec': {
        'f:selector': {},
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } } },
      },
    });
  });

  it('compares versions into added, modified and removed fields', () => {
    const before = { metadata: { labels: { a: '1', b: '2' } }, ...podSpec([{ name: 'web', image: 'v1' }]) };
    const after = { metadata: { labels: { a: '1', c: '3' } }, ...podSpec([{ name: 'web', image: 'v2' }, { name: 'side', image: 's' }]) };
    const { added, modified, removed } = compareObjects(before, after, builtinFieldSchema);
    expect(added.paths().map(formatPath).sort()).toEqual([
      '.metadata.labels.c',
      '.spec.template.spec.containers[name="side"]',
      '.spec.template.spec.containers[name="side"].image',
      '.spec.template.spec.containers[name="side"].name',
    ]);
    expect(modified.paths().map(formatPath)).toEqual(['.spec.template.spec.containers[name="web"].image']);
    expect(removed.paths().map(formatPath)).toEqual(['.metadata.labels.b']);
  });

  it('merges applied list items by key, keeping live-only items in place', () => {
    const live = podSpec([{ name: 'a', image: '1' }, { name: 'b', image: '1' }]);
    const merged = mergeApplied(live, podSpec([{ name: 'b', image: '2' }, { name: 'c', image: '2' }]), builtinFieldSchema) as any;
    expect(merged.spec.template.spec.containers).toEqual([
      { name: 'a', image: '1' },
      { name: 'b', image: '2' },
      { name: 'c', image: '2' },
    ]);
  });

  it('removes released fields but keeps list items that another manager still owns part of', () => {
    const object = podSpec([{ name: 'a', image: '1', args: ['x'] }, { name: 'b', image: '1' }]) as any;
    const released = FieldSet.fromFieldsV1({ 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {} }, 'k:{"name":"b"}': { '.': {} } } } } } });
    const kept = FieldSet.fromFieldsV1({ 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { 'f:args': {} } } } } } });
    const result = removeFields(object, released, kept, builtinFieldSchema) as any;
    expect(result.spec.template.spec.containers).toEqual([{ name: 'a', args: ['x'] }]);
  });
});
