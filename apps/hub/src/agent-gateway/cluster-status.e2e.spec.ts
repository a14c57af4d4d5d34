import { testDatabaseKinds } from '@capstan/persistence';
import type { TestGitRepository } from '../testing/git-repository';
import { startTestFleet, type TestFleet } from '../testing/test-fleet';
import type { TestHub } from '../testing/test-hub';
import { until } from '../testing/wait';
import { ClusterStatusService } from './cluster-status.service';

const manifests = {
  'apps/shop/kustomization.yaml': 'namespace: shop\nresources:\n  - namespace.yaml\n  - settings.yaml\n  - web.yaml\n',
  'apps/shop/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
  'apps/shop/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n',
  'apps/shop/web.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: registry.example/web:1\n',
};

interface ResourceView {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  syncState: string;
  health: string;
}
interface ClustersView {
  clusters: { edges: Array<{ node: { name: string; applications: Array<{ application: string; resources: ResourceView[] }> } }> };
}

describe.each(testDatabaseKinds())('per-object statuses in the API, on %s', (kind) => {
  let fleet: TestFleet;
  let hub: TestHub;
  let repository: TestGitRepository;
  const clusterNames = ['eu-1', 'eu-2', 'us-1'];

  const ok = <T>(query: string, variables: Record<string, unknown> = {}) => hub.data<T>(query, variables);
  const clusters = () => ok<ClustersView>(`{ clusters(first: 10) { edges { node { name applications { application resources { group kind namespace name syncState health } } } } } }`);

  beforeAll(async () => {
    fleet = await startTestFleet(kind, manifests);
    ({ hub, repository } = fleet);
    await ok(`mutation { createClusterGroup(input: { name: "prod", selector: "env=prod" }) { name } }`);
    await ok(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await ok(`mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop", prune: true, targets: [{ group: "prod" }] }) { name } }`);
    for (const cluster of clusterNames) await fleet.startAgent(cluster, { env: 'prod' });
  });
  afterAll(() => fleet.close());

  it('shows every object of the application on every cluster with its sync state and health', async () => {
    await until(async () => (await clusters()).clusters.edges.every((edge) => edge.node.applications[0]?.resources.length === 3));
    for (const { node } of (await clusters()).clusters.edges) {
      expect(node.applications[0].resources).toEqual([
        { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'settings', syncState: 'Synced', health: 'Healthy' },
        { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web', syncState: 'Synced', health: expect.any(String) },
        { group: '', kind: 'Namespace', namespace: '', name: 'shop', syncState: 'Synced', health: 'Healthy' },
      ]);
    }
  });

  it('drops the objects that left git', async () => {
    await repository.commit({ 'apps/shop/web.yaml': null, 'apps/shop/kustomization.yaml': 'namespace: shop\nresources:\n  - namespace.yaml\n  - settings.yaml\n' }, 'No web');
    await ok(`mutation { syncSource(name: "fleet") { status } }`);
    await until(async () => (await clusters()).clusters.edges.every((edge) => edge.node.applications[0]?.resources.length === 2));
    expect((await clusters()).clusters.edges[0].node.applications[0].resources.map((resource) => resource.name)).toEqual(['settings', 'shop']);
  });

  it('shows per application the clusters running it, each with the revision its agent applied last', async () => {
    const { application } = await ok<{ application: { currentRevision: { commitSha: string }; clusters: Array<{ cluster: string; application: string; syncState: string; revision: string }> } }>(
      `{ application(name: "shop") { currentRevision { commitSha } clusters { cluster application syncState revision } } }`,
    );
    expect(application.clusters.map((status) => status.cluster).sort()).toEqual(clusterNames);
    for (const status of application.clusters) expect(status).toMatchObject({ application: 'shop', syncState: 'Synced', revision: application.currentRevision.commitSha });
  });

  it('loads the statuses of a whole page of clusters with one query per level', async () => {
    const statuses = hub.hub.app.get(ClusterStatusService);
    const applicationQueries = jest.spyOn(statuses, 'statusesOf');
    const resourceQueries = jest.spyOn(statuses, 'resourcesOf');
    const view = await clusters();
    expect(view.clusters.edges).toHaveLength(clusterNames.length);
    expect(applicationQueries).toHaveBeenCalledTimes(1);
    expect(resourceQueries).toHaveBeenCalledTimes(1);
    applicationQueries.mockRestore();
    resourceQueries.mockRestore();
  });
});
