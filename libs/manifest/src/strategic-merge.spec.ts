import type { JsonObject } from './json';
import { strategicMerge } from './strategic-merge';

const deployment = (spec: JsonObject): JsonObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec } } });
const podSpec = (object: JsonObject | null) => ((object?.spec as JsonObject).template as JsonObject).spec as JsonObject;

describe('strategicMerge', () => {
  const original = deployment({
    containers: [
      { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }], ports: [{ containerPort: 80 }] },
      { name: 'b', image: 'b:1' },
    ],
    tolerations: [{ key: 'k1' }],
  });

  it('merges containers by name and env by name, leaving the original untouched', () => {
    const merged = strategicMerge(original, deployment({ containers: [{ name: 'a', image: 'a:2', env: [{ name: 'X', value: '2' }] }] }));
    expect(podSpec(merged).containers).toEqual([
      { name: 'a', image: 'a:2', env: [{ name: 'X', value: '2' }], ports: [{ containerPort: 80 }] },
      { name: 'b', image: 'b:1' },
    ]);
    expect(podSpec(original).containers).toHaveLength(2);
    expect((podSpec(original).containers as JsonObject[])[0].image).toBe('a:1');
  });

  it('appends new list items after the originals (API server dialect)', () => {
    const merged = strategicMerge(original, deployment({ containers: [{ name: 'c', image: 'c:1' }, { name: 'a', image: 'a:2' }] }));
    expect((podSpec(merged).containers as JsonObject[]).map((container) => container.name)).toEqual(['a', 'b', 'c']);
  });

  it('puts the patch items first, then the originals it did not name (kustomize dialect)', () => {
    const merged = strategicMerge(original, deployment({ containers: [{ name: 'b', image: 'b:2' }, { name: 'c', image: 'c:1' }] }), 'kustomize');
    expect((podSpec(merged).containers as JsonObject[]).map((container) => container.name)).toEqual(['b', 'c', 'a']);
  });

  it('replaces lists without a merge key', () => {
    expect(podSpec(strategicMerge(original, deployment({ tolerations: [{ key: 'k2' }] }))).tolerations).toEqual([{ key: 'k2' }]);
  });

  it('replaces every list of a kind it has no merge keys for', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { parts: [{ name: 'a' }, { name: 'b' }] } };
    expect(strategicMerge(widget, { spec: { parts: [{ name: 'c' }] } })?.spec).toEqual({ parts: [{ name: 'c' }] });
  });

  it('deletes list items and fields with $patch: delete and null', () => {
    const merged = strategicMerge(original, deployment({ containers: [{ name: 'b', $patch: 'delete' }, { name: 'a', ports: null }] }));
    expect(podSpec(merged).containers).toEqual([{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }]);
  });

  it('replaces a map or a whole list with $patch: replace', () => {
    const merged = strategicMerge(original, deployment({ containers: [{ $patch: 'replace' }, { name: 'only', image: 'o:1' }], tolerations: [] }));
    expect(podSpec(merged).containers).toEqual([{ name: 'only', image: 'o:1' }]);
    const replacedMap = strategicMerge({ kind: 'X', spec: { a: 1, b: 2 } }, { spec: { $patch: 'replace', c: 3 } });
    expect(replacedMap?.spec).toEqual({ c: 3 });
  });

  it('deletes the whole object with a top-level $patch: delete', () => {
    expect(strategicMerge(original, { $patch: 'delete' })).toBeNull();
  });

  it('merges finalizers as a set', () => {
    const object = { kind: 'ConfigMap', metadata: { name: 'x', finalizers: ['a', 'b'] } };
    expect((strategicMerge(object, { metadata: { finalizers: ['b', 'c'] } })?.metadata as JsonObject).finalizers).toEqual(['a', 'b', 'c']);
  });

  it('honours $retainKeys, $deleteFromPrimitiveList and $setElementOrder', () => {
    const object = { kind: 'Deployment', metadata: { name: 'x', finalizers: ['a', 'b', 'c'] }, spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, template: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } } } };
    const merged = strategicMerge(object, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
        template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
      },
    });
    expect((merged?.metadata as JsonObject).finalizers).toEqual(['a', 'c']);
    expect((merged?.spec as JsonObject).strategy).toEqual({ type: 'Recreate' });
    expect((podSpec(merged).containers as JsonObject[]).map((container) => container.name)).toEqual(['b', 'a']);
  });

  it('rejects a list item without its merge key, naming the field', () => {
    expect(() => strategicMerge(original, deployment({ containers: [{ image: 'x' }] }))).toThrow("field 'spec.template.spec.containers[0]': item has no merge key 'name'");
  });
});
