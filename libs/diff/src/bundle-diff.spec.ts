import { diffBundles } from './bundle-diff';

const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data });

describe('bundle diff', () => {
  it('gives a unified diff per changed object and leaves unchanged ones out', () => {
    const changes = diffBundles(
      [configMap('kept', { a: '1' }), configMap('changed', { mode: 'slow' }), configMap('dropped', { x: 'y' })],
      [configMap('kept', { a: '1' }), configMap('changed', { mode: 'fast' }), configMap('added', { n: 'ew' })],
    );
    expect(changes.map(({ subject, change }) => [subject, change])).toEqual([
      ['ConfigMap/shop/added', 'added'],
      ['ConfigMap/shop/changed', 'modified'],
      ['ConfigMap/shop/dropped', 'removed'],
    ]);
    const modified = changes.find((change) => change.change === 'modified')?.patch ?? '';
    expect(modified).toContain('--- a/ConfigMap/shop/changed');
    expect(modified).toContain('+++ b/ConfigMap/shop/changed');
    expect(modified).toContain("\n-  mode: slow\n");
    expect(modified).toContain("\n+  mode: fast\n");
    expect(changes.find((change) => change.change === 'added')?.patch).toContain('--- /dev/null');
  });

  it('finds nothing between identical bundles', () => {
    expect(diffBundles([configMap('a', { k: 'v' })], [configMap('a', { k: 'v' })])).toEqual([]);
  });
});
