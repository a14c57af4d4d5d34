import { detectDrift } from '@capstan/diff';
import { identityOf, type JsonObject } from '@capstan/manifest';
import { buildKubeconfig, KubeSimServer, type SimulatedCluster } from '@capstan/kube-sim';
import { KubeConfig } from '@kubernetes/client-node';
import { entriesWith } from '@capstan/vocabulary';
import { InventoryStore } from './inventory-store';
import { applyAllStaged } from './manager-apply';
import { deleteAll } from './manager-delete';
import { defaultResourceManagerOptions, ResourceManager } from './resource-manager';

const namespace: JsonObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const settings: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { mode: 'fast' } };
const web: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'shop/web:1.0.0', ports: [{ containerPort: 8080 }], resources: { limits: { cpu: '0.5', memory: '1024Mi' } } }] },
    },
  },
};
const service: JsonObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };
const widgets: JsonObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { colour: { type: 'string' } } } } } } }],
  },
};
const widget: JsonObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'blue', namespace: 'shop' }, spec: { colour: 'blue' } };

describe('resource manager against a simulated cluster', () => {
  let server: KubeSimServer;
  let cluster: SimulatedCluster;
  let manager: ResourceManager;
  /** The live object as the API server holds it (kube-sim's JSON type is its own). */
  const liveObject = (apiVersion: string, kind: string, name: string) => (cluster.findObject({ apiVersion, kind, name, namespace: 'shop' }) ?? null) as unknown as JsonObject | null;

  beforeAll(async () => {
    server = new KubeSimServer();
    await server.start();
    cluster = server.addCluster('east');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(buildKubeconfig([{ name: 'east', server: server.clusterUrl('east') }]));
    manager = new ResourceManager(kubeConfig, { ...defaultResourceManagerOptions(), waitIntervalMs: 20 });
  });
  afterAll(() => server.stop());

  it('creates namespaces and CRDs first, then the objects that need them', async () => {
    const changeSet = await applyAllStaged(manager, [widget, web, settings, service, widgets, namespace]);
    expect(changeSet.entries.map((entry) => [entry.subject, entry.action])).toEqual([
      ['CustomResourceDefinition/widgets.example.com', 'created'],
      ['Namespace/shop', 'created'],
      ['Widget/shop/blue', 'created'],
      ['Deployment/shop/web', 'created'],
      ['ConfigMap/shop/settings', 'created'],
      ['Service/shop/web', 'created'],
    ]);
    expect(cluster.findObject({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'blue', namespace: 'shop' })).toMatchObject({ spec: { colour: 'blue' } });
  });

  it('reports unchanged objects as unchanged, and a changed one as configured', async () => {
    const again = await applyAllStaged(manager, [namespace, widgets, widget, settings, web, service]);
    expect(entriesWith(again, 'unchanged')).toHaveLength(6);
    const changed = await applyAllStaged(manager, [{ ...settings, data: { mode: 'slow' } }]);
    expect(changed.entries).toEqual([expect.objectContaining({ subject: 'ConfigMap/shop/settings', action: 'configured' })]);
    await applyAllStaged(manager, [settings]);
  });

  it('leaves a freshly applied object without drift despite the server’s defaults', () => {
    const live = liveObject('apps/v1', 'Deployment', 'web');
    expect(live).toMatchObject({ spec: { revisionHistoryLimit: 10, template: { spec: { restartPolicy: 'Always' } } } });
    expect(detectDrift(web, live)).toBeNull();
    const liveService = liveObject('v1', 'Service', 'web');
    expect(detectDrift(service, liveService)).toBeNull();
  });

  it('sees an edit by another field manager as drift naming the field and the manager', () => {
    cluster.editObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }, { spec: { template: { spec: { containers: [{ name: 'web', image: 'shop/web:hotfix' }] } } } });
    const live = liveObject('apps/v1', 'Deployment', 'web');
    expect(detectDrift(web, live)?.fields).toEqual([
      expect.objectContaining({ path: 'spec.template.spec.containers[name=web].image', desired: 'shop/web:1.0.0', live: 'shop/web:hotfix', changedBy: 'kubectl-edit' }),
    ]);
  });

  it('takes fields back from another manager when it applies again', async () => {
    const changeSet = await applyAllStaged(manager, [web]);
    expect(changeSet.entries[0].action).toBe('configured');
    const live = liveObject('apps/v1', 'Deployment', 'web');
    expect(detectDrift(web, live)).toBeNull();
  });

  it('leaves a field an ignore rule gives to another controller at its live value', async () => {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' };
    cluster.editObject(ref, { spec: { replicas: 7 } }, { fieldManager: 'hpa-controller' });
    const changeSet = await applyAllStaged(manager, [web], { ignore: [{ jsonPointer: '/spec/replicas', kind: 'Deployment' }] });
    expect(changeSet.entries[0].action).toBe('unchanged');
    expect(liveObject('apps/v1', 'Deployment', 'web')).toMatchObject({ spec: { replicas: 7 } });
    await applyAllStaged(manager, [web]);
    expect(liveObject('apps/v1', 'Deployment', 'web')).toMatchObject({ spec: { replicas: 2 } });
  });

  it('reports an object of an unknown kind and an invalid object as failed with the API’s message, and applies the rest', async () => {
    const gadget: JsonObject = { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'shop' } };
    const invalid: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid', namespace: 'shop' }, data: {} };
    const fine: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fine', namespace: 'shop' }, data: {} };
    const changeSet = await applyAllStaged(manager, [gadget, invalid, fine]);
    const [gadgetEntry, invalidEntry, fineEntry] = changeSet.entries;
    expect(gadgetEntry).toMatchObject({ subject: 'Gadget/shop/g', action: 'failed' });
    expect(gadgetEntry.message).toBeTruthy();
    expect(invalidEntry).toMatchObject({ subject: 'ConfigMap/shop/Not_Valid', action: 'failed', message: expect.stringContaining('Not_Valid') });
    expect(fineEntry).toMatchObject({ subject: 'ConfigMap/shop/fine', action: 'created' });
  });

  it('deletes what it applied, never what someone else created, and counts a missing object as deleted', async () => {
    cluster.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hand-made', namespace: 'shop' }, data: {} }, { fieldManager: 'kubectl-create' });
    const changeSet = await deleteAll(manager, [identityOf(settings), identityOf({ ...settings, metadata: { name: 'hand-made', namespace: 'shop' } }), identityOf({ ...settings, metadata: { name: 'never-was', namespace: 'shop' } })]);
    expect(changeSet.entries.map((entry) => [entry.subject, entry.action])).toEqual([
      ['ConfigMap/shop/settings', 'deleted'],
      ['ConfigMap/shop/hand-made', 'skipped'],
      ['ConfigMap/shop/never-was', 'deleted'],
    ]);
    expect(cluster.findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'shop' })).toBeUndefined();
    expect(cluster.findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'hand-made', namespace: 'shop' })).toBeDefined();
  });

  it('keeps an application’s inventory in a Secret', async () => {
    const store = new InventoryStore(manager, 'shop');
    expect(await store.read('guestbook')).toEqual({ objects: [] });
    const inventory = { objects: [identityOf(web), identityOf(service)] };
    await store.write('guestbook', inventory);
    expect(await store.read('guestbook')).toEqual(inventory);
  });
});
