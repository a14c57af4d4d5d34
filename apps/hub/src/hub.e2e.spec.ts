import { testDatabaseKinds } from '@capstan/persistence';
import { graphqlLimits } from './app.module';
import { type GraphqlResponse, startTestHub, type TestHub } from './testing/test-hub';

function errorCode(response: GraphqlResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}

function ok<T>(response: GraphqlResponse<T>): T {
  if (response.errors?.length) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data as T;
}

const createCluster = `mutation($name: String!, $labels: StringMap, $reason: String) {
  createCluster(input: { name: $name, labels: $labels }, reason: $reason) { name labels groups { name } }
}`;
const createGroup = `mutation($input: CreateClusterGroupInput!) { createClusterGroup(input: $input) { name selector members } }`;
const clustersBySelector = `query($selector: String, $first: Int, $after: String) {
  clusters(selector: $selector, first: $first, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } }
}`;
const createToken = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret token { name role groupScope } } }`;

type Names = { edges: Array<{ node: { name: string } }> };
const names = (connection: Names) => connection.edges.map((edge) => edge.node.name);

describe.each(testDatabaseKinds())('GraphQL API over HTTP on %s', (kind) => {
  let hub: TestHub;
  let viewerToken: string;

  beforeAll(async () => {
    hub = await startTestHub(kind);
    ok(await hub.graphql(createGroup, { input: { name: 'prod-eu', selector: 'env=prod,region=eu', members: ['lab-1'] } }));
    for (const [name, labels] of [
      ['eu-1', { env: 'prod', region: 'eu' }],
      ['eu-2', { env: 'prod', region: 'eu', tier: 'edge' }],
      ['us-1', { env: 'prod', region: 'us' }],
      ['lab-1', { env: 'dev' }],
      ['lab-2', { env: 'dev' }],
    ] as const) {
      ok(await hub.graphql(createCluster, { name, labels }));
    }
    viewerToken = ok(await hub.graphql<{ createApiToken: { secret: string } }>(createToken, { input: { name: 'reader', role: 'viewer' } })).createApiToken.secret;
  });
  afterAll(() => hub.close());

  it('lists clusters matching a label selector', async () => {
    const data = ok(await hub.graphql<{ clusters: Names }>(clustersBySelector, { selector: 'env=prod,region in (eu,us),!tier' }));
    expect(names(data.clusters)).toEqual(['eu-1', 'us-1']);
  });

  it('shows which groups a cluster belongs to, by selector and by explicit membership', async () => {
    type Groups = { groups: Array<{ name: string }> };
    const data = ok(await hub.graphql<{ a: Groups; b: Groups; c: Groups }>(
      `{ a: cluster(name: "eu-2") { groups { name } } b: cluster(name: "lab-1") { groups { name } } c: cluster(name: "us-1") { groups { name } } }`,
    ));
    expect([data.a.groups, data.b.groups, data.c.groups]).toEqual([[{ name: 'prod-eu' }], [{ name: 'prod-eu' }], []]);
  });

  it('previews the clusters a selector would put in a group, and lists those a group holds', async () => {
    const data = ok(await hub.graphql<{ matchingClusters: Names; clusterGroup: { clusters: Names } }>(
      `{ matchingClusters(selector: "env=dev", members: ["us-1"]) { edges { node { name } } }
         clusterGroup(name: "prod-eu") { clusters { edges { node { name } } } } }`,
    ));
    expect(names(data.matchingClusters)).toEqual(['lab-1', 'lab-2', 'us-1']);
    expect(names(data.clusterGroup.clusters)).toEqual(['eu-1', 'eu-2', 'lab-1']);
  });

  it('pages through clusters with cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { clusters: Names & { pageInfo: { hasNextPage: boolean; endCursor: string } } } = ok(await hub.graphql(clustersBySelector, { first: 2, after }));
      seen.push(...names(page.clusters));
      if (!page.clusters.pageInfo.hasNextPage) break;
      after = page.clusters.pageInfo.endCursor;
    }
    expect(seen).toEqual(['eu-1', 'eu-2', 'lab-1', 'lab-2', 'us-1']);
  });

  it('refuses a request without a token as UNAUTHENTICATED', async () => {
    expect(errorCode(await hub.graphql('{ clusters { edges { node { name } } } }', {}, null))).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown token as UNAUTHENTICATED', async () => {
    expect(errorCode(await hub.graphql('{ clusters { edges { node { name } } } }', {}, 'capstan_not-a-real-token'))).toBe('UNAUTHENTICATED');
  });

  it('lets a viewer read but refuses it a mutation with PERMISSION_DENIED', async () => {
    const read = ok(await hub.graphql<{ clusters: Names }>(clustersBySelector, { selector: 'env=dev' }, viewerToken));
    expect(names(read.clusters)).toEqual(['lab-1', 'lab-2']);
    const write = await hub.graphql(createCluster, { name: 'sneaky', labels: {} }, viewerToken);
    expect(errorCode(write)).toBe('PERMISSION_DENIED');
    expect(write.errors?.[0]?.message).toContain('needs operator');
    expect(errorCode(await hub.graphql(`{ cluster(name: "sneaky") { name } }`))).toBe('NOT_FOUND');
  });

  it('refuses a revoked token', async () => {
    const { secret } = ok(await hub.graphql<{ createApiToken: { secret: string } }>(createToken, { input: { name: 'short-lived', role: 'operator' } })).createApiToken;
    ok(await hub.graphql(`{ whoami { name } }`, {}, secret));
    ok(await hub.graphql(`mutation { revokeApiToken(name: "short-lived", reason: "rotated") { revokedAt } }`));
    const response = await hub.graphql(`{ whoami { name } }`, {}, secret);
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
    expect(response.errors?.[0]?.message).toContain('revoked');
  });

  it('keeps an operator scoped to a group inside that group', async () => {
    const { secret } = ok(
      await hub.graphql<{ createApiToken: { secret: string } }>(createToken, { input: { name: 'eu-operator', role: 'operator', groupScope: ['prod-eu'] } }),
    ).createApiToken;
    ok(await hub.graphql(`mutation { updateClusterLabels(input: { name: "eu-1", labels: { env: "prod", region: "eu", owner: "team-a" } }) { name } }`, {}, secret));
    // A cluster outside its groups is one it cannot see.
    const outside = await hub.graphql(`mutation { updateClusterLabels(input: { name: "us-1", labels: { env: "prod" } }) { name } }`, {}, secret);
    expect(errorCode(outside)).toBe('NOT_FOUND');
    const escape = await hub.graphql(`mutation { updateClusterLabels(input: { name: "eu-2", labels: { env: "staging" } }) { name } }`, {}, secret);
    expect(errorCode(escape)).toBe('PERMISSION_DENIED');
    expect(errorCode(await hub.graphql(`mutation { createSource(input: { name: "mine", url: "https://git.example.com/a.git" }) { name } }`, {}, secret))).toBe('PERMISSION_DENIED');
  });

  it('rejects invalid input naming the field', async () => {
    const badName = await hub.graphql(createCluster, { name: 'Not_A_Name', labels: { 'bad key!': 'x' } });
    expect(errorCode(badName)).toBe('INVALID_ARGUMENT');
    expect(badName.errors?.[0]?.extensions?.fields?.map((field) => field.field)).toEqual(['input.name', 'input.labels']);

    const badSelector = await hub.graphql(createGroup, { input: { name: 'broken', selector: 'env in (a,' } });
    expect(badSelector.errors?.[0]?.extensions?.fields).toEqual([{ field: 'input.selector', message: expect.stringContaining('invalid label selector') }]);

    const badSource = await hub.graphql(`mutation { createSource(input: { name: "s", url: "ftp://nope", pollIntervalSeconds: 1 }) { name } }`);
    expect(badSource.errors?.[0]?.extensions?.fields?.map((field) => field.field).sort()).toEqual(['input.pollIntervalSeconds', 'input.url']);

    const unknownGroup = await hub.graphql(`mutation { createApplication(input: { name: "web", source: "none", basePath: "apps/web" }) { name } }`);
    expect(unknownGroup.errors?.[0]?.extensions).toEqual({ code: 'INVALID_ARGUMENT', fields: [{ field: 'input.source', message: 'source "none" does not exist' }] });

    const wrongType = await hub.graphql(`mutation { createCluster(input: { name: 42 }) { name } }`);
    expect(errorCode(wrongType)).toBe('INVALID_ARGUMENT');
  });

  it('reports a duplicate name as CONFLICT and records nothing for the failed change', async () => {
    const before = ok(await hub.graphql<{ auditLog: { edges: unknown[] } }>(`{ auditLog(targetName: "eu-1", action: "cluster.create") { edges { cursor } } }`));
    const response = await hub.graphql(createCluster, { name: 'eu-1', labels: {} });
    expect(errorCode(response)).toBe('CONFLICT');
    expect(response.errors?.[0]?.message).toBe('cluster "eu-1" already exists');
    const after = ok(await hub.graphql<{ auditLog: { edges: unknown[] } }>(`{ auditLog(targetName: "eu-1", action: "cluster.create") { edges { cursor } } }`));
    expect(after.auditLog.edges).toHaveLength(before.auditLog.edges.length);
  });

  it('refuses to delete a group an application targets, and a source an application uses', async () => {
    ok(await hub.graphql(`mutation { createSource(input: { name: "fleet", url: "https://git.example.com/fleet.git", ref: "main" }) { name } }`));
    ok(await hub.graphql(`mutation { createApplication(input: { name: "guestbook", source: "fleet", basePath: "apps/guestbook", targets: [{ group: "prod-eu", overlayPath: "overlays/prod", variables: { replicas: "3" } }] }) { name } }`));
    expect(errorCode(await hub.graphql(`mutation { deleteClusterGroup(name: "prod-eu") { name } }`))).toBe('CONFLICT');
    expect(errorCode(await hub.graphql(`mutation { deleteSource(name: "fleet") { name } }`))).toBe('CONFLICT');
  });

  it('writes one audit entry per mutation, with actor, target, summary and reason', async () => {
    const token = ok(await hub.graphql<{ createApiToken: { secret: string } }>(createToken, { input: { name: 'auditor', role: 'admin' } })).createApiToken.secret;
    const mutations = [
      `mutation { createClusterGroup(input: { name: "audit-g", selector: "audit=yes" }, reason: "new team") { name } }`,
      `mutation { updateClusterGroup(input: { name: "audit-g", description: "for the audit test" }) { name } }`,
      `mutation { createCluster(input: { name: "audit-c", labels: { audit: "yes" } }) { name } }`,
      `mutation { updateClusterLabels(input: { name: "audit-c", labels: { audit: "no" } }) { name } }`,
      `mutation { createSource(input: { name: "audit-s", url: "file:///srv/git/fleet" }) { name } }`,
      `mutation { updateSource(input: { name: "audit-s", ref: "release-1" }) { name } }`,
      `mutation { createApplication(input: { name: "audit-a", source: "audit-s", basePath: "base", targets: [{ group: "audit-g" }] }) { name } }`,
      `mutation { updateApplication(input: { name: "audit-a", healPolicy: approve, prune: true }) { name } }`,
      `mutation { deleteApplication(name: "audit-a") { name } }`,
      `mutation { deleteSource(name: "audit-s") { name } }`,
      `mutation { deleteCluster(name: "audit-c") { name } }`,
      `mutation { deleteClusterGroup(name: "audit-g", reason: "team gone") { name } }`,
      `mutation { createApiToken(input: { name: "audit-t", role: viewer }) { secret } }`,
      `mutation { revokeApiToken(name: "audit-t") { name } }`,
    ];
    for (const mutation of mutations) ok(await hub.graphql(mutation, {}, token));

    type Entry = { actor: string; action: string; targetName: string; summary: Record<string, unknown>; reason: string | null };
    const log = ok(await hub.graphql<{ auditLog: { edges: Array<{ node: Entry }> } }>(
      `{ auditLog(actor: "token/auditor", first: 100) { edges { node { actor action targetName summary reason } } } }`,
    )).auditLog.edges.map((edge) => edge.node);
    expect(log.map((entry) => `${entry.action} ${entry.targetName}`).reverse()).toEqual([
      'group.create audit-g',
      'group.update audit-g',
      'cluster.create audit-c',
      'cluster.update audit-c',
      'source.create audit-s',
      'source.update audit-s',
      'application.create audit-a',
      'application.update audit-a',
      'application.delete audit-a',
      'source.delete audit-s',
      'cluster.delete audit-c',
      'group.delete audit-g',
      'token.create audit-t',
      'token.revoke audit-t',
    ]);
    expect(log.find((entry) => entry.action === 'group.create')?.reason).toBe('new team');
    expect(log.find((entry) => entry.action === 'cluster.update')?.summary).toEqual({ before: { labels: { audit: 'yes' } }, after: { labels: { audit: 'no' } } });
    expect(log.find((entry) => entry.action === 'application.update')?.summary).toEqual({ before: { healPolicy: 'auto', prune: false }, after: { healPolicy: 'approve', prune: true } });

    const since = ok(await hub.graphql<{ auditLog: { edges: unknown[] } }>(`query($since: DateTime) { auditLog(since: $since) { edges { cursor } } }`, { since: new Date(Date.now() + 60_000).toISOString() }));
    expect(since.auditLog.edges).toEqual([]);
  });

  it('refuses queries deeper or costlier than its limits', async () => {
    ok(await hub.graphql(`{ clusterGroups(first: 10) { edges { node { clusters(first: 20) { edges { node { name groups { name } } } pageInfo { endCursor } } } } } }`));
    const tooDeep = await hub.graphql(`{ clusters(first: 1) { edges { node { groups { clusters(first: 1) { edges { node { groups { clusters(first: 1) { edges { node { name } } } } } } } } } } } }`);
    expect(errorCode(tooDeep)).toBe('INVALID_ARGUMENT');
    expect(tooDeep.errors?.[0]?.message).toContain('exceeds maximum operation depth');
    const tooCostly = await hub.graphql(`{ clusterGroups(first: 500) { edges { node { clusters(first: 500) { edges { node { name } } } } } } }`);
    expect(errorCode(tooCostly)).toBe('INVALID_ARGUMENT');
    expect(tooCostly.errors?.[0]?.message).toContain(`exceeds the limit of ${graphqlLimits.maxComplexity}`);
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    expect(await (await fetch(`${hub.hub.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${hub.hub.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${hub.hub.url}/metrics`)).text();
    expect(metrics).toContain('capstan_http_request_duration_seconds_bucket');
    expect(metrics).toMatch(/capstan_graphql_operation_duration_seconds_count\{[^}]*outcome="ok"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/capstan_db_pool_connections [1-9]/);
    expect(metrics).toContain('capstan_process_resident_memory_bytes');
  });
});
