import * as k8s from '@kubernetes/client-node';
import { buildKubeconfig } from './kubeconfig';
import { KubeSimServer } from './server';
import { startFixture, type ClientFixture } from './testing/client-fixture';

describe('discovery, representations and serving', () => {
  let fixture: ClientFixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture.server.stop());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${fixture.server.clusterUrl('test')}${path}`, { headers }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

  it('reports a Kubernetes version', async () => {
    const version = await fixture.config.makeApiClient(k8s.VersionApi).getCode();
    expect(version).toMatchObject({ major: '1', minor: '33' });
  });

  it('lists the core and named groups with kinds, verbs, short names and categories', async () => {
    const core = await get('/api/v1');
    expect(core.body.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'], verbs: expect.arrayContaining(['watch', 'patch']) }),
        expect.objectContaining({ name: 'namespaces', namespaced: false }),
      ]),
    );
    const groups = await get('/apis');
    expect(groups.body.groups.map((group: any) => group.name)).toEqual(
      expect.arrayContaining(['apps', 'batch', 'networking.k8s.io', 'autoscaling', 'policy', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io', 'admissionregistration.k8s.io']),
    );
    const apps = await get('/apis/apps/v1');
    expect(apps.body.resources).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'deployments/scale', group: 'autoscaling', version: 'v1', kind: 'Scale' })]));
  });

  it('answers aggregated discovery requests with the legacy document, so clients fall back', async () => {
    const response = await get('/apis', { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    expect(response.body.kind).toBe('APIGroupList');
  });

  it('serves OpenAPI v3 documents whose PATCH operations take fieldValidation', async () => {
    const index = await get('/openapi/v3');
    expect(index.body.paths['apis/apps/v1'].serverRelativeURL).toMatch(/^\/clusters\/test\/openapi\/v3\/apis\/apps\/v1\?hash=/);
    const apps = await get('/openapi/v3/apis/apps/v1');
    const path = apps.body.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    expect(path.patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(path.patch.parameters.map((parameter: any) => parameter.name)).toContain('fieldValidation');
  });

  it('prints Tables for kubectl get', async () => {
    const table = await get('/api/v1/namespaces', { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(table.body.kind).toBe('Table');
    expect(table.body.columnDefinitions.map((column: any) => column.name)).toEqual(['Name', 'Status', 'Age']);
    expect(table.body.rows[0].cells.slice(0, 2)).toEqual(['default', 'Active']);
    expect(table.body.rows[0].object.kind).toBe('PartialObjectMetadata');
  });

  it('refuses to answer in a representation it does not have with 406', async () => {
    const response = await get('/api/v1/namespaces', { Accept: 'application/vnd.kubernetes.protobuf' });
    expect(response.status).toBe(406);
  });

  it('serves many clusters on one port, each under its own path', async () => {
    const second = fixture.server.addCluster('second');
    second.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only-here', namespace: 'default' } });
    const config = new k8s.KubeConfig();
    config.loadFromString(fixture.server.kubeconfig());
    expect(config.getContexts().map((context) => context.name)).toEqual(['test', 'second']);
    config.setCurrentContext('second');
    const names = (await config.makeApiClient(k8s.CoreV1Api).listNamespacedConfigMap({ namespace: 'default' })).items.map((item) => item.metadata?.name);
    expect(names).toContain('only-here');
    expect(fixture.cluster.findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'only-here', namespace: 'default' })).toBeUndefined();
  });

  it('serves TLS with a self-signed certificate and requires the bearer token', async () => {
    const server = new KubeSimServer({ controllers: false, tls: true, token: 'secret-token' });
    await server.start(0);
    server.addCluster('secure');
    expect(server.url).toMatch(/^https:/);
    const config = new k8s.KubeConfig();
    config.loadFromString(server.kubeconfig());
    const namespaces = await config.makeApiClient(k8s.CoreV1Api).listNamespace();
    expect(namespaces.items.length).toBeGreaterThan(0);
    const anonymous = new k8s.KubeConfig();
    anonymous.loadFromString(buildKubeconfig([{ name: 'secure', server: server.clusterUrl('secure') }], { certificateAuthority: server.certificateAuthority }));
    await expect(anonymous.makeApiClient(k8s.CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 401 });
    await server.stop();
  });

  it('saves clusters to a snapshot and restores them', async () => {
    const path = `${require('node:os').tmpdir()}/kube-sim-snapshot-${process.pid}.json`;
    fixture.cluster.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'saved', namespace: 'default' } });
    await fixture.server.saveSnapshot(path);
    const restored = new KubeSimServer({ controllers: false });
    await restored.loadSnapshot(path);
    const cluster = restored.cluster('test');
    expect(cluster.findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'saved', namespace: 'default' })).toBeDefined();
    const next = cluster.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after', namespace: 'default' } }) as any;
    expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(fixture.cluster.store.currentRevision());
  });
});
