import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { ClusterEntity, testDatabaseKinds } from '@capstan/persistence';
import { DataSource, In } from 'typeorm';
import { FleetEventsService } from '../events/fleet-events.service';
import { accessRuleKey } from './access.decorator';
import { startTestFleet, type TestFleet } from '../testing/test-fleet';
import type { GraphqlResponse, TestHub } from '../testing/test-hub';
import { eventually, until } from '../testing/wait';

const manifests = {
  'apps/shop/kustomization.yaml': 'resources:\n  - settings.yaml\n',
  'apps/shop/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  cluster: ${cluster.name}\n',
};

const code = (response: GraphqlResponse) => response.errors?.[0]?.extensions?.code ?? 'ok';
type Names = { edges: Array<{ node: { name: string } }> };
const names = (connection: Names) => connection.edges.map((edge) => edge.node.name);

/**
 * A token limited to the group prod-eu (eu-1 by selector, lab-1 by name) against one for the
 * whole fleet; us-1 and us-2 are in prod-us, outside the scope.
 */
describe.each(testDatabaseKinds())('API tokens limited to cluster groups, on %s', (kind) => {
  let fleet: TestFleet;
  let hub: TestHub;
  const tokens: Record<'scoped' | 'unscoped' | 'scopedViewer' | 'scopedAdmin', string> = { scoped: '', unscoped: '', scopedViewer: '', scopedAdmin: '' };

  const as = (who: keyof typeof tokens, query: string, variables: Record<string, unknown> = {}) => hub.graphql(query, variables, tokens[who]);
  const data = async <T>(who: keyof typeof tokens, query: string, variables: Record<string, unknown> = {}) => {
    const response = await hub.graphql<T>(query, variables, tokens[who]);
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data as T;
  };
  const token = async (name: string, role: string, groupScope: string[] | null) =>
    (await hub.data<{ createApiToken: { secret: string } }>(`mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }`, { input: { name, role, groupScope } })).createApiToken.secret;

  beforeAll(async () => {
    fleet = await startTestFleet(kind, manifests);
    hub = fleet.hub;
    await hub.data(`mutation { createClusterGroup(input: { name: "prod-eu", selector: "env=prod,region=eu", members: ["lab-1"] }) { name } }`);
    await hub.data(`mutation { createClusterGroup(input: { name: "prod-us", selector: "env=prod,region=us" }) { name } }`);
    await hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: fleet.repository.url });
    await hub.data(`mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop", targets: [{ group: "prod-eu" }, { group: "prod-us" }] }) { name } }`);
    await fleet.startAgent('eu-1', { env: 'prod', region: 'eu' });
    await fleet.startAgent('us-1', { env: 'prod', region: 'us' });
    await hub.data(`mutation { createCluster(input: { name: "lab-1", labels: { env: "dev" } }) { name } }`);
    await hub.data(`mutation { createCluster(input: { name: "us-2", labels: { env: "prod", region: "us" } }) { name } }`);
    tokens.scoped = await token('eu-operator', 'operator', ['prod-eu']);
    tokens.scopedViewer = await token('eu-viewer', 'viewer', ['prod-eu']);
    tokens.scopedAdmin = await token('eu-admin', 'admin', ['prod-eu']);
    tokens.unscoped = await token('fleet-operator', 'operator', null);
    type Statuses = { application: { clusters: Array<{ cluster: string }> } };
    await until(async () => (await hub.data<Statuses>(`{ application(name: "shop") { clusters { cluster } } }`)).application.clusters.length === 2);
  });
  afterAll(() => fleet.close());

  describe('reads', () => {
    it('lists only the clusters in scope', async () => {
      const query = `{ clusters { edges { node { name } } } }`;
      expect(names((await data<{ clusters: Names }>('scoped', query)).clusters)).toEqual(['eu-1', 'lab-1']);
      expect(names((await data<{ clusters: Names }>('scopedViewer', query)).clusters)).toEqual(['eu-1', 'lab-1']);
      expect(names((await data<{ clusters: Names }>('unscoped', query)).clusters)).toEqual(['eu-1', 'lab-1', 'us-1', 'us-2']);
      expect(names((await data<{ clusters: Names }>('scoped', `{ clusters(selector: "env=prod") { edges { node { name } } } }`)).clusters)).toEqual(['eu-1']);
    });

    it('answers a cluster outside the scope exactly as one that does not exist', async () => {
      const outside = await as('scoped', `{ cluster(name: "us-1") { name } }`);
      const missing = await as('scoped', `{ cluster(name: "no-such-cluster") { name } }`);
      expect(code(outside)).toBe('NOT_FOUND');
      expect(outside.errors?.[0]?.message).toBe('cluster "us-1" not found');
      expect(missing.errors?.[0]?.message).toBe('cluster "no-such-cluster" not found');
      expect(code(await as('scoped', `{ cluster(name: "lab-1") { name } }`))).toBe('ok');
      expect(code(await as('unscoped', `{ cluster(name: "us-1") { name } }`))).toBe('ok');
    });

    it("hides the drift and drift history of a cluster outside the scope", async () => {
      const query = `{ cluster(name: "us-1") { drift { id } driftHistory { id } applications { application } } }`;
      expect(code(await as('scoped', query))).toBe('NOT_FOUND');
      expect(code(await as('unscoped', query))).toBe('ok');
      expect(code(await as('scoped', query.replace('us-1', 'eu-1')))).toBe('ok');
    });

    it("shows an application's statuses and digests only for clusters in scope", async () => {
      const query = `{ application(name: "shop") { clusters { cluster } currentRevision { clusterDigests } revisionHistory { edges { node { clusterDigests } } } } revisions(application: "shop") { edges { node { clusterDigests } } } }`;
      type Digests = { clusterDigests: Record<string, string> };
      type View = { application: { clusters: Array<{ cluster: string }>; currentRevision: Digests; revisionHistory: { edges: Array<{ node: Digests }> } }; revisions: { edges: Array<{ node: Digests }> } };
      const seen = (view: View) => ({
        statuses: view.application.clusters.map((status) => status.cluster).sort(),
        current: Object.keys(view.application.currentRevision.clusterDigests).sort(),
        history: Object.keys(view.application.revisionHistory.edges[0].node.clusterDigests).sort(),
        revisions: Object.keys(view.revisions.edges[0].node.clusterDigests).sort(),
      });
      const inScope = (names: string[]) => names.filter((name) => ['eu-1', 'lab-1'].includes(name));
      // Placement may still be rendering for lab-1 and us-2: compare the two views of one moment.
      const views = await eventually(
        async () => ({ scoped: seen(await data<View>('scoped', query)), unscoped: seen(await data<View>('unscoped', query)) }),
        ({ scoped, unscoped }) => JSON.stringify(scoped) === JSON.stringify({ statuses: inScope(unscoped.statuses), current: inScope(unscoped.current), history: inScope(unscoped.history), revisions: inScope(unscoped.revisions) }),
      );
      expect(views.unscoped.statuses).toEqual(expect.arrayContaining(['eu-1', 'us-1']));
      expect(views.unscoped.current).toEqual(expect.arrayContaining(['eu-1', 'us-1']));
      expect(views.scoped).toEqual({ statuses: ['eu-1'], current: inScope(views.unscoped.current), history: inScope(views.unscoped.history), revisions: inScope(views.unscoped.revisions) });
      expect(views.scoped.current).toContain('eu-1');
    });

    it('lists events of the clusters in scope only', async () => {
      const dataSource = hub.hub.app.get(DataSource);
      const clusters = await dataSource.getRepository(ClusterEntity).findBy({ name: In(['eu-1', 'us-1']) });
      await dataSource.transaction((manager) =>
        hub.hub.app.get(FleetEventsService).record(manager, ...clusters.map((cluster) => ({ type: 'checksum.mismatched' as const, clusterId: cluster.id, details: { wanted: 'a', live: 'b' } }))),
      );
      type Events = { events: { edges: Array<{ node: { cluster: string } }> } };
      const clustersOf = (events: Events) => [...new Set(events.events.edges.map((edge) => edge.node.cluster))].sort();
      expect(clustersOf(await data<Events>('unscoped', `{ events(type: "checksum.mismatched") { edges { node { cluster } } } }`))).toEqual(['eu-1', 'us-1']);
      expect(clustersOf(await data<Events>('scoped', `{ events(type: "checksum.mismatched") { edges { node { cluster } } } }`))).toEqual(['eu-1']);
      expect(clustersOf(await data<Events>('scoped', `{ events(cluster: "us-1", type: "checksum.mismatched") { edges { node { cluster } } } }`))).toEqual([]);
      expect(clustersOf(await data<Events>('unscoped', `{ events(cluster: "us-1", type: "checksum.mismatched") { edges { node { cluster } } } }`))).toEqual(['us-1']);
    });

    it('shows audit entries about the clusters and groups in scope, and its own', async () => {
      type Log = { auditLog: { edges: Array<{ node: { targetType: string; targetName: string; actor: string } }> } };
      const query = `{ auditLog(first: 500) { edges { node { targetType targetName actor } } } }`;
      const scoped = (await data<Log>('scoped', query)).auditLog.edges.map((edge) => edge.node);
      expect(scoped.length).toBeGreaterThan(0);
      expect(scoped.filter((entry) => entry.targetName.startsWith('us-') || entry.targetName === 'prod-us')).toEqual([]);
      expect(scoped.every((entry) => ['eu-1', 'lab-1', 'prod-eu'].includes(entry.targetName) || entry.actor === 'token/eu-operator')).toBe(true);
      expect((await data<Log>('scoped', `{ auditLog(targetName: "us-1") { edges { node { targetName targetType actor } } } }`)).auditLog.edges).toEqual([]);
      expect((await data<Log>('unscoped', `{ auditLog(targetName: "us-1") { edges { node { targetName targetType actor } } } }`)).auditLog.edges.length).toBeGreaterThan(0);
    });

    it('shows only the groups in scope, and only the clusters in scope through them', async () => {
      expect(names((await data<{ clusterGroups: Names }>('scoped', `{ clusterGroups { edges { node { name } } } }`)).clusterGroups)).toEqual(['prod-eu']);
      expect(names((await data<{ clusterGroups: Names }>('unscoped', `{ clusterGroups { edges { node { name } } } }`)).clusterGroups)).toEqual(['prod-eu', 'prod-us']);
      const outside = await as('scoped', `{ clusterGroup(name: "prod-us") { name } }`);
      expect(code(outside)).toBe('NOT_FOUND');
      expect(outside.errors?.[0]?.message).toBe('cluster group "prod-us" not found');
      expect((await as('scoped', `{ clusterGroup(name: "no-such-group") { name } }`)).errors?.[0]?.message).toBe('cluster group "no-such-group" not found');
      expect(code(await as('scoped', `mutation { updateClusterGroup(input: { name: "no-such-group", selector: "env=prod" }) { name } }`))).toBe('NOT_FOUND');
      expect(code(await as('unscoped', `{ clusterGroup(name: "prod-us") { name } }`))).toBe('ok');
      expect(names((await data<{ clusterGroup: { clusters: Names } }>('scoped', `{ clusterGroup(name: "prod-eu") { clusters { edges { node { name } } } } }`)).clusterGroup.clusters)).toEqual(['eu-1', 'lab-1']);
      expect(names((await data<{ matchingClusters: Names }>('scoped', `{ matchingClusters(selector: "env=prod", members: ["us-2"]) { edges { node { name } } } }`)).matchingClusters)).toEqual(['eu-1']);
      expect(names((await data<{ matchingClusters: Names }>('unscoped', `{ matchingClusters(selector: "env=prod", members: ["us-2"]) { edges { node { name } } } }`)).matchingClusters)).toEqual(['eu-1', 'us-1', 'us-2']);
    });

    it('renders previews and diffs only for clusters in scope', async () => {
      expect(code(await as('scoped', `{ renderPreview(application: "shop", cluster: "us-1") { digest } }`))).toBe('NOT_FOUND');
      expect(code(await as('unscoped', `{ renderPreview(application: "shop", cluster: "us-1") { digest } }`))).toBe('ok');
      expect(code(await as('scoped', `{ revisionDiff(application: "shop", cluster: "us-1", from: "0000000", to: "0000000") { subject } }`))).toBe('NOT_FOUND');
      expect(code(await as('unscoped', `{ revisionDiff(application: "shop", cluster: "us-1", from: "0000000", to: "0000000") { subject } }`))).toBe('INVALID_ARGUMENT');
    });
  });

  describe('mutations', () => {
    it('registers only clusters that land in scope, and never mints a credential for a cluster outside it', async () => {
      const register = (who: keyof typeof tokens, name: string, labels: Record<string, string>) =>
        as(who, `mutation($name: String!, $labels: StringMap) { createClusterRegistration(input: { name: $name, labels: $labels }) { token } }`, { name, labels });
      const existing = await register('scoped', 'us-1', { env: 'prod', region: 'eu' });
      expect(code(existing)).toBe('PERMISSION_DENIED');
      expect(existing.data).toBeNull();
      expect(code(await register('scoped', 'us-9', { env: 'prod', region: 'us' }))).toBe('PERMISSION_DENIED');
      expect(code(await register('scoped', 'eu-9', { env: 'prod', region: 'eu' }))).toBe('ok');
      expect(code(await register('scoped', 'eu-1', { env: 'prod', region: 'eu' }))).toBe('ok');
      expect(code(await register('unscoped', 'us-2', { env: 'prod', region: 'us' }))).toBe('ok');
    });

    it('creates, relabels and deletes clusters only within the scope', async () => {
      expect(code(await as('scoped', `mutation { createCluster(input: { name: "us-3", labels: { env: "prod", region: "us" } }) { name } }`))).toBe('PERMISSION_DENIED');
      expect(code(await as('scoped', `mutation { createCluster(input: { name: "eu-3", labels: { env: "prod", region: "eu" } }) { name } }`))).toBe('ok');
      expect(code(await as('scoped', `mutation { updateClusterLabels(input: { name: "eu-3", labels: { env: "prod", region: "us" } }) { name } }`))).toBe('PERMISSION_DENIED');
      expect(code(await as('scoped', `mutation { updateClusterLabels(input: { name: "us-2", labels: { env: "prod", region: "eu" } }) { name } }`))).toBe('NOT_FOUND');
      expect(code(await as('scoped', `mutation { deleteCluster(name: "us-2") { name } }`))).toBe('NOT_FOUND');
      expect(code(await as('scoped', `mutation { deleteCluster(name: "eu-3") { name } }`))).toBe('ok');
      expect(code(await as('unscoped', `mutation { createCluster(input: { name: "us-3", labels: { env: "prod", region: "us" } }) { name } }`))).toBe('ok');
      expect(code(await as('unscoped', `mutation { updateClusterLabels(input: { name: "us-3", labels: { env: "prod", region: "us", tier: "edge" } }) { name } }`))).toBe('ok');
      expect(code(await as('unscoped', `mutation { deleteCluster(name: "us-3") { name } }`))).toBe('ok');
    });

    it.each([
      ['revokeClusterCredentials', `mutation { revokeClusterCredentials(cluster: "CLUSTER") }`, 'ok'],
      ['sync', `mutation { sync(cluster: "CLUSTER") }`, 'CONFLICT'],
      ['approveHeal', `mutation { approveHeal(cluster: "CLUSTER", application: "shop") }`, 'CONFLICT'],
      ['pauseCluster', `mutation { pauseCluster(name: "CLUSTER") { paused } }`, 'ok'],
      ['resumeCluster', `mutation { resumeCluster(name: "CLUSTER") { paused } }`, 'ok'],
    ])('%s: a cluster outside the scope is not found', async (_name, mutation, inScope) => {
      // us-2 and lab-1 have no agent: sync and approveHeal get as far as finding nothing to do.
      expect(code(await as('scoped', mutation.replace('CLUSTER', 'us-2')))).toBe('NOT_FOUND');
      expect(code(await as('scoped', mutation.replace('CLUSTER', 'lab-1')))).toBe(inScope);
      expect(code(await as('unscoped', mutation.replace('CLUSTER', 'us-2')))).toBe(inScope);
    });

    it('changes its groups only so far as they stay inside the scope', async () => {
      const update = (who: keyof typeof tokens, input: Record<string, unknown>) => as(who, `mutation($input: UpdateClusterGroupInput!) { updateClusterGroup(input: $input) { name selector members } }`, { input });
      const widened = await update('scoped', { name: 'prod-eu', selector: 'env=prod' });
      expect(code(widened)).toBe('PERMISSION_DENIED');
      expect(widened.errors?.[0]?.message).toContain('would then hold 2 cluster(s) outside them');
      expect(widened.errors?.[0]?.message).not.toMatch(/us-1|us-2/);
      expect(code(await update('scoped', { name: 'prod-eu', members: ['lab-1', 'us-2'] }))).toBe('PERMISSION_DENIED');
      expect(code(await update('scoped', { name: 'prod-eu', selector: null }))).toBe('ok');
      expect(code(await update('scoped', { name: 'prod-eu', selector: 'env=prod,region=eu', description: 'Europe' }))).toBe('PERMISSION_DENIED');
      expect(code(await update('unscoped', { name: 'prod-eu', selector: 'env=prod,region=eu' }))).toBe('ok');
      expect(code(await update('scoped', { name: 'prod-us', description: 'not mine' }))).toBe('NOT_FOUND');
      expect(code(await update('unscoped', { name: 'prod-us', description: 'America' }))).toBe('ok');
      expect(code(await update('scoped', { name: 'prod-eu', selector: 'env in (' }))).toBe('INVALID_ARGUMENT');
      expect(code(await as('scoped', `mutation { createClusterGroup(input: { name: "mine", selector: "env=prod,region=eu" }) { name } }`))).toBe('PERMISSION_DENIED');
      expect(code(await as('scoped', `mutation { deleteClusterGroup(name: "prod-us") { name } }`))).toBe('NOT_FOUND');
      expect(code(await as('unscoped', `mutation { createClusterGroup(input: { name: "mine", selector: "env=prod" }) { name } }`))).toBe('ok');
      expect(code(await as('unscoped', `mutation { deleteClusterGroup(name: "mine") { name } }`))).toBe('ok');
    });

    it('creates and changes only applications that target groups in scope', async () => {
      const create = (who: keyof typeof tokens, name: string, groups: string[]) =>
        as(who, `mutation($name: String!, $targets: [ApplicationTargetInput!]) { createApplication(input: { name: $name, source: "fleet", basePath: "apps/shop", targets: $targets }) { name } }`, {
          name,
          targets: groups.map((group) => ({ group })),
        });
      expect(code(await create('scoped', 'eu-and-us', ['prod-eu', 'prod-us']))).toBe('PERMISSION_DENIED');
      expect(code(await create('scoped', 'nowhere', []))).toBe('PERMISSION_DENIED');
      expect(code(await create('scoped', 'eu-shop', ['prod-eu']))).toBe('ok');
      expect(code(await as('scoped', `mutation { updateApplication(input: { name: "eu-shop", targets: [{ group: "prod-us" }] }) { name } }`))).toBe('PERMISSION_DENIED');
      expect(code(await as('scoped', `mutation { updateApplication(input: { name: "shop", prune: true }) { name } }`))).toBe('PERMISSION_DENIED');
      expect(code(await as('scoped', `mutation { deleteApplication(name: "shop") { name } }`))).toBe('PERMISSION_DENIED');
      expect(code(await as('scoped', `mutation { updateApplication(input: { name: "eu-shop", prune: true }) { name } }`))).toBe('ok');
      expect(code(await as('scoped', `mutation { deleteApplication(name: "eu-shop") { name } }`))).toBe('ok');
      expect(code(await create('unscoped', 'eu-and-us', ['prod-eu', 'prod-us']))).toBe('ok');
      expect(code(await as('unscoped', `mutation { deleteApplication(name: "eu-and-us") { name } }`))).toBe('ok');
    });

    it('leaves sources, which every cluster shares, to callers not limited to groups', async () => {
      for (const mutation of [
        `mutation { createSource(input: { name: "other", url: "https://git.example.com/other.git" }) { name } }`,
        `mutation { updateSource(input: { name: "fleet", pollIntervalSeconds: 60 }) { name } }`,
        `mutation { syncSource(name: "fleet") { status } }`,
        `mutation { deleteSource(name: "fleet") { name } }`,
      ]) {
        expect(code(await as('scoped', mutation))).toBe('PERMISSION_DENIED');
      }
      expect(code(await as('unscoped', `mutation { syncSource(name: "fleet") { status } }`))).toBe('ok');
    });

    it('lets a scoped admin make and revoke tokens only within its scope', async () => {
      const create = (groupScope: string[] | null) => as('scopedAdmin', `mutation($scope: [String!]) { createApiToken(input: { name: "minted", role: viewer, groupScope: $scope }) { secret } }`, { scope: groupScope });
      expect(code(await create(null))).toBe('PERMISSION_DENIED');
      expect(code(await create(['prod-eu', 'prod-us']))).toBe('PERMISSION_DENIED');
      expect(code(await create(['prod-eu']))).toBe('ok');
      expect(code(await as('scopedAdmin', `mutation { revokeApiToken(name: "fleet-operator") { name } }`))).toBe('PERMISSION_DENIED');
      expect(code(await as('scopedAdmin', `mutation { revokeApiToken(name: "minted") { name } }`))).toBe('ok');
    });

    it('declares what every mutation concerns, so none escapes the policy', () => {
      const scanner = new MetadataScanner();
      const undeclared: string[] = [];
      const providers = [...hub.hub.app.get(ModulesContainer).values()].flatMap((module) => [...module.providers.values()]);
      expect(providers.length).toBeGreaterThan(0);
      for (const wrapper of providers) {
        const instance = wrapper.instance as object | undefined;
        if (!instance || typeof instance !== 'object') continue;
        const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
        for (const method of scanner.getAllMethodNames(prototype)) {
          const handler = prototype[method] as object;
          if (Reflect.getMetadata('graphql:resolver_type', handler) === 'Mutation' && !Reflect.getMetadata(accessRuleKey, handler)) undeclared.push(`${instance.constructor.name}.${method}`);
        }
      }
      expect(undeclared).toEqual([]);
    });
  });
});
