import { buildKubeconfig, KubeSimServer, type SimulatedCluster } from '@capstan/kube-sim';
import { KubeConfig } from '@kubernetes/client-node';
import { watchKind, type WatchEventType } from './manager-watch';
import { defaultResourceManagerOptions, ResourceManager } from './resource-manager';

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const widgets = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
  },
};

describe('watching a kind', () => {
  let server: KubeSimServer;
  let cluster: SimulatedCluster;
  let manager: ResourceManager;
  const stops: Array<() => void> = [];

  beforeEach(async () => {
    server = new KubeSimServer({ controllers: false });
    await server.start();
    cluster = server.addCluster('east');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(buildKubeconfig([{ name: 'east', server: server.clusterUrl('east') }]));
    manager = new ResourceManager(kubeConfig, defaultResourceManagerOptions());
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await server.stop();
  });

  it('says it cannot watch a kind the cluster does not serve, and watches it once a CRD serves it', async () => {
    const statuses: Array<string | null> = [];
    const events: Array<[WatchEventType, string]> = [];
    stops.push(watchKind(manager, { apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'default' }, (type, object) => events.push([type, object.metadata?.name ?? '']), { onStatus: (error) => statuses.push(error), backoff: { initialMs: 20, maxMs: 100 } }));
    await until(() => statuses.length > 0);
    expect(statuses).toEqual(['the cluster does not serve Widget in example.com/v1']);

    cluster.createObject(widgets);
    await until(() => statuses.at(-1) === null);
    cluster.createObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'blue', namespace: 'default' } });
    await until(() => events.length > 0);
    expect(events).toEqual([['ADDED', 'blue']]);
    expect(statuses).toEqual(['the cluster does not serve Widget in example.com/v1', null]);
  });

  it('says so while the API server is away, and sees what changed meanwhile once it is back', async () => {
    const statuses: Array<string | null> = [];
    const events: Array<[WatchEventType, string]> = [];
    cluster.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before', namespace: 'default' } });
    stops.push(watchKind(manager, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }, (type, object) => events.push([type, object.metadata?.name ?? '']), { onStatus: (error) => statuses.push(error), backoff: { initialMs: 20, maxMs: 200 } }));
    await until(() => events.length > 0);
    expect(events).toEqual([['ADDED', 'before']]);
    expect(statuses).toEqual([]);

    const port = Number(new URL(server.url).port);
    await server.stop();
    await until(() => typeof statuses.at(-1) === 'string');
    expect(statuses.at(-1)).toMatch(/Premature close|ECONNREFUSED/);
    cluster.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'meanwhile', namespace: 'default' } });
    await server.start(port);
    await until(() => statuses.at(-1) === null);
    await until(() => events.some(([, name]) => name === 'meanwhile'));
    expect(events).toContainEqual(['ADDED', 'meanwhile']);
  });
});
