import { identityOf, type JsonObject } from '@capstan/manifest';
import { applyAllStaged, InventoryStore } from '@capstan/kube';
import { Pruner } from './pruner';
import { startTestCluster, type TestCluster } from './testing/simulated-cluster';

const configMap = (name: string): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { name } });
const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace: 'default' });

describe('the prune reconciler', () => {
  let test: TestCluster;
  let inventories: InventoryStore;
  let pruner: Pruner;

  beforeAll(async () => {
    test = await startTestCluster(false);
    test.cluster.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-system' } });
    inventories = new InventoryStore(test.resources, 'capstan-system');
    pruner = new Pruner(test.resources, inventories);
  });
  afterAll(() => test.server.stop());

  it('retires an application: deletes what Capstan applied, never what it does not manage, and forgets the inventory', async () => {
    const applied = await applyAllStaged(test.resources, [configMap('a'), configMap('b')]);
    await pruner.prune('shop', [identityOf(configMap('a')), identityOf(configMap('b'))], applied, true);
    // Someone took the object over: it is no longer Capstan's to delete.
    test.cluster.deleteObject(ref('b'));
    test.cluster.createObject(configMap('b'), { fieldManager: 'kubectl-create' });

    const retired = await pruner.retire('shop', true);
    expect(retired.entries.map((entry) => [entry.subject, entry.action])).toEqual([
      ['ConfigMap/default/a', 'deleted'],
      ['ConfigMap/default/b', 'skipped'],
    ]);
    expect(test.cluster.findObject(ref('a'))).toBeUndefined();
    expect(test.cluster.findObject(ref('b'))).toBeDefined();
    expect(await inventories.read('shop')).toEqual({ objects: [] });
  });

  it('leaves everything in place when prune is off', async () => {
    const applied = await applyAllStaged(test.resources, [configMap('c')]);
    await pruner.prune('kept', [identityOf(configMap('c'))], applied, false);
    expect(await pruner.retire('kept', false)).toEqual({ entries: [] });
    expect(test.cluster.findObject(ref('c'))).toBeDefined();
    expect((await inventories.read('kept')).objects).toEqual([identityOf(configMap('c'))]);
  });
});
