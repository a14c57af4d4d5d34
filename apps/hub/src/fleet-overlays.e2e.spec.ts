import type { KubeSimServer } from '@capstan/kube-sim';
import { testDatabaseKinds } from '@capstan/persistence';
import type { TestGitRepository } from './testing/git-repository';
import { startTestFleet, type TestFleet } from './testing/test-fleet';
import type { TestHub } from './testing/test-hub';
import { until } from './testing/wait';

const deployment = (name: string, selector: string, template: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      component: ${selector}\n  template:\n    metadata:\n      labels:\n        component: ${template}\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/web:1.0.0\n`;
const overlay = (namespace: string, replicas: number, tag: string) => ({
  'kustomization.yaml': `namespace: ${namespace}\nresources:\n  - namespace.yaml\n  - ../../base\nreplicas:\n  - name: web\n    count: ${replicas}\nimages:\n  - name: registry.example.com/web\n    newTag: ${tag}\n`,
  'namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
});
const files = (prefix: string, entries: Record<string, string>) => Object.fromEntries(Object.entries(entries).map(([name, content]) => [`${prefix}/${name}`, content]));
const repositoryFiles = {
  'apps/web/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - settings.yaml\n',
  'apps/web/base/deployment.yaml': deployment('web', 'web', 'web'),
  'apps/web/base/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  cluster: ${cluster.name}\n',
  ...files('apps/web/overlays/prod', overlay('web', 3, '1.0.3')),
  ...files('apps/web/overlays/dev', overlay('web-dev', 1, '1.1.0-rc.1')),
};

type StatusView = {
  application: string;
  syncState: string;
  error: string | null;
  changeSet: Array<{ subject: string; action: string; message: string }>;
  resources: Array<{ kind: string; name: string; syncState: string }>;
};

describe.each(testDatabaseKinds())('three clusters in two groups with their own overlays, on %s', (kind) => {
  let fleet: TestFleet;
  let hub: TestHub;
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  const clusters = { 'eu-1': 'prod', 'us-1': 'prod', 'dev-1': 'dev' } as const;

  const ok = <T>(query: string, variables: Record<string, unknown> = {}) => hub.data<T>(query, variables);
  const statusOf = async (cluster: string) =>
    (await ok<{ cluster: { applications: StatusView[] } }>(
      `query($name: String!) { cluster(name: $name) { applications { application syncState error changeSet { subject action message } resources { kind name syncState } } } }`,
      { name: cluster },
    )).cluster.applications[0];
  const liveDeployment = (cluster: string, namespace: string, name = 'web') => kubeSim.cluster(cluster).findObject({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace });

  beforeAll(async () => {
    fleet = await startTestFleet(kind, repositoryFiles);
    ({ hub, kubeSim, repository } = fleet);
    await ok(`mutation { createClusterGroup(input: { name: "prod", selector: "env=prod" }) { name } }`);
    await ok(`mutation { createClusterGroup(input: { name: "dev", selector: "env=dev" }) { name } }`);
    for (const [cluster, env] of Object.entries(clusters)) await fleet.startAgent(cluster, { env });
  });
  afterAll(() => fleet.close());

  it('brings every cluster to its own overlay’s output, and each ChangeSet says created', async () => {
    await ok(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await ok(
      `mutation { createApplication(input: { name: "web", source: "fleet", basePath: "apps/web/base", prune: true, targets: [{ group: "prod", overlayPath: "apps/web/overlays/prod" }, { group: "dev", overlayPath: "apps/web/overlays/dev" }] }) { name } }`,
    );
    for (const cluster of Object.keys(clusters)) await until(async () => (await statusOf(cluster))?.syncState === 'Synced');

    for (const [cluster, env] of Object.entries(clusters)) {
      const namespace = env === 'prod' ? 'web' : 'web-dev';
      expect(liveDeployment(cluster, namespace)).toMatchObject({
        spec: { replicas: env === 'prod' ? 3 : 1, template: { spec: { containers: [{ image: `registry.example.com/web:${env === 'prod' ? '1.0.3' : '1.1.0-rc.1'}` }] } } },
      });
      expect(kubeSim.cluster(cluster).findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace })).toMatchObject({ data: { cluster } });
      const status = await statusOf(cluster);
      expect(status.changeSet.map((entry) => [entry.subject, entry.action]).sort()).toEqual(
        [
          [`ConfigMap/${namespace}/settings`, 'created'],
          [`Deployment/${namespace}/web`, 'created'],
          [`Namespace/${namespace}`, 'created'],
        ].sort(),
      );
      expect(status.resources.map((resource) => [resource.kind, resource.name, resource.syncState]).sort()).toEqual(
        [
          ['ConfigMap', 'settings', 'Synced'],
          ['Deployment', 'web', 'Synced'],
          ['Namespace', namespace, 'Synced'],
        ].sort(),
      );
    }
    // The other group's overlay never reaches a cluster.
    expect(liveDeployment('dev-1', 'web')).toBeUndefined();
    expect(liveDeployment('eu-1', 'web-dev')).toBeUndefined();
  });

  it('reports an object of an unknown kind and an invalid object as failed with the API’s message, and applies the others', async () => {
    await repository.commit(
      {
        'apps/web/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - settings.yaml\n  - gadget.yaml\n  - broken.yaml\n',
        'apps/web/base/gadget.yaml': 'apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: gizmo\n',
        'apps/web/base/broken.yaml': deployment('broken', 'web', 'other'),
        'apps/web/base/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  cluster: ${cluster.name}\n  mode: new\n',
      },
      'Add a gadget and a broken deployment',
    );
    await ok(`mutation { syncSource(name: "fleet") { status } }`);
    await until(async () => (await statusOf('dev-1'))?.syncState === 'Failed');

    const status = await statusOf('dev-1');
    const entry = (subject: string) => status.changeSet.find((change) => change.subject === subject);
    expect(entry('Gadget/web-dev/gizmo')).toMatchObject({ action: 'failed', message: expect.stringContaining('the server could not find the requested resource') });
    expect(entry('Deployment/web-dev/broken')).toMatchObject({ action: 'failed', message: expect.stringContaining('`selector` does not match template `labels`') });
    expect(entry('ConfigMap/web-dev/settings')).toMatchObject({ action: 'configured' });
    expect(status.error).toMatch(/^2 object\(s\) failed: /);
    expect(status.error).toContain('Gadget/web-dev/gizmo: the server could not find the requested resource');
    expect(status.error).toContain('Deployment/web-dev/broken: Deployment.apps "broken" is invalid');
    expect(status.resources.filter((resource) => resource.syncState === 'Failed').map((resource) => resource.name).sort()).toEqual(['broken', 'gizmo']);
    expect(kubeSim.cluster('dev-1').findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'web-dev' })).toMatchObject({ data: { mode: 'new' } });
  });

  it('leaves what left git in place with prune off, and says so in the ChangeSet', async () => {
    await ok(`mutation { updateApplication(input: { name: "web", prune: false }) { name } }`);
    await repository.commit({ 'apps/web/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n', 'apps/web/base/settings.yaml': null, 'apps/web/base/gadget.yaml': null, 'apps/web/base/broken.yaml': null }, 'Drop the settings');
    await ok(`mutation { syncSource(name: "fleet") { status } }`);
    await until(async () => (await statusOf('eu-1'))?.changeSet.some((entry) => entry.subject === 'ConfigMap/web/settings' && entry.action === 'skipped'));
    const status = await statusOf('eu-1');
    expect(status.syncState).toBe('Synced');
    expect(status.changeSet.find((entry) => entry.subject === 'ConfigMap/web/settings')).toEqual({ subject: 'ConfigMap/web/settings', action: 'skipped', message: 'no longer in git; left in place because prune is off' });
    expect(kubeSim.cluster('eu-1').findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'web' })).toBeDefined();
  });
});
