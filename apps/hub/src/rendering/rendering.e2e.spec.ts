import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { testDatabaseKinds } from '@capstan/persistence';
import { TestGitRepository } from '../testing/git-repository';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { eventually } from '../testing/wait';

const exampleFleet = join(__dirname, '../../../../deploy/examples/fleet');

function filesUnder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return files;
}

interface Revision {
  commitSha: string;
  status: string;
  error: string | null;
  clusterDigests: Record<string, string>;
}


describe.each(testDatabaseKinds())('from commit to revision on %s', (kind) => {
  let hub: TestHub;
  let repository: TestGitRepository;
  const webhookSecret = 'rendering-webhook-secret';
  let firstCommit: string;

  const ok = <T>(query: string, variables: Record<string, unknown> = {}) => hub.data<T>(query, variables);
  const revisions = async (application: string) =>
    (await ok<{ revisions: { edges: Array<{ node: Revision }> } }>(`query($app: String!) { revisions(application: $app) { edges { node { commitSha status error clusterDigests } } } }`, { app: application })).revisions.edges.map(
      (edge) => edge.node,
    );
  const current = async (application: string) =>
    (await ok<{ application: { currentRevision: Revision | null } }>(`query($app: String!) { application(name: $app) { currentRevision { commitSha status clusterDigests } } }`, { app: application })).application.currentRevision;
  const push = (sha: string) => {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
    return fetch(`${hub.hub.url}/hooks/git/fleet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}` },
      body,
    });
  };

  beforeAll(async () => {
    hub = await startTestHub(kind);
    repository = await TestGitRepository.create();
    firstCommit = await repository.commit(
      {
        ...filesUnder(exampleFleet),
        'apps/static/kustomization.yaml': 'resources:\n  - configmap.yaml\n',
        'apps/static/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: static\ndata:\n  mode: same-everywhere\n',
      },
      'Add the guestbook and a static application',
    );
    await ok(`mutation { createClusterGroup(input: { name: "staging", selector: "env=staging" }) { name } }`);
    await ok(`mutation { createClusterGroup(input: { name: "production", selector: "env=prod", variables: { tier: "gold" } }) { name } }`);
    for (const [name, labels] of [
      ['eu-1', { env: 'prod', region: 'eu-west' }],
      ['us-1', { env: 'prod', region: 'us-east' }],
      ['stage-1', { env: 'staging', region: 'eu-west' }],
      ['stage-2', { env: 'staging', region: 'us-east' }],
    ] as const) {
      await ok(`mutation($name: String!, $labels: StringMap) { createCluster(input: { name: $name, labels: $labels }) { name } }`, { name, labels });
    }
    await ok(
      `mutation($url: String!, $secret: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 5, webhookSecret: $secret }) { name } }`,
      { url: repository.url, secret: webhookSecret },
    );
    const createApplication = `mutation($input: CreateApplicationInput!) { createApplication(input: $input) { name } }`;
    await ok(createApplication, {
      input: {
        name: 'guestbook',
        source: 'fleet',
        basePath: 'apps/guestbook/base',
        targets: [
          { group: 'staging', overlayPath: 'apps/guestbook/overlays/staging' },
          { group: 'production', overlayPath: 'apps/guestbook/overlays/production' },
        ],
      },
    });
    await ok(createApplication, { input: { name: 'static', source: 'fleet', basePath: 'apps/static', targets: [{ group: 'staging' }, { group: 'production' }] } });
  });
  afterAll(async () => {
    await hub.close();
    repository.remove();
  });

  it('renders a revision with a bundle per cluster as soon as the application exists', async () => {
    const revision = await eventually(() => current('guestbook'), (value) => value !== null);
    expect(revision).toMatchObject({ commitSha: firstCommit, status: 'rendered' });
    expect(Object.keys(revision?.clusterDigests ?? {}).sort()).toEqual(['eu-1', 'stage-1', 'stage-2', 'us-1']);
    // Every guestbook cluster's bundle names the cluster, so all four differ.
    expect(new Set(Object.values(revision?.clusterDigests ?? {})).size).toBe(4);
  });

  it('stores one bundle per group when nothing differs per cluster', async () => {
    const revision = await eventually(() => current('static'), (value) => value !== null);
    const digests = revision?.clusterDigests ?? {};
    expect(digests['eu-1']).toBe(digests['us-1']);
    expect(digests['stage-1']).toBe(digests['stage-2']);
    expect(new Set(Object.values(digests)).size).toBe(1);
  });

  it('previews what a cluster would receive, with its variables substituted', async () => {
    const { renderPreview } = await ok<{ renderPreview: { commitSha: string; yaml: string; objectCount: number; digest: string } }>(
      `{ renderPreview(application: "guestbook", cluster: "eu-1") { commitSha yaml objectCount digest } }`,
    );
    expect(renderPreview.commitSha).toBe(firstCommit);
    expect(renderPreview.objectCount).toBe(4);
    expect(renderPreview.yaml).toContain('  CLUSTER: eu-1\n  GREETING: hello\n  REGION: eu-west\n');
    expect(renderPreview.yaml).toContain('image: registry.example.com/guestbook:1.0.3');
    expect(renderPreview.digest).toBe((await current('guestbook'))?.clusterDigests['eu-1']);
  });

  it('records a broken commit as a failed revision naming file and line, and keeps the last good one in force', async () => {
    const broken = await repository.commit({ 'apps/guestbook/base/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: guestbook\n spec: [\n' }, 'Break the service');
    expect((await push(broken)).status).toBe(202);
    const history = await eventually(() => revisions('guestbook'), (list) => list.some((revision) => revision.commitSha === broken));
    const failed = history.find((revision) => revision.commitSha === broken);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/apps\/guestbook\/base\/service\.yaml:\d+: invalid YAML/);
    expect((await current('guestbook'))?.commitSha).toBe(firstCommit);
    const source = await ok<{ source: { lastError: string } }>(`{ source(name: "fleet") { lastError } }`);
    expect(source.source.lastError).toMatch(/application guestbook: .*service\.yaml/);
  });

  it('turns a fixing commit into a revision within one poll interval, and diffs it against the first', async () => {
    const fixed = await repository.commit(
      {
        'apps/guestbook/base/service.yaml': readFileSync(join(exampleFleet, 'apps/guestbook/base/service.yaml'), 'utf8'),
        'apps/guestbook/overlays/production/kustomization.yaml': readFileSync(join(exampleFleet, 'apps/guestbook/overlays/production/kustomization.yaml'), 'utf8').replace('newTag: 1.0.3', 'newTag: 1.0.4'),
      },
      'Fix the service and ship 1.0.4',
    );
    const revision = await eventually(() => current('guestbook'), (value) => value?.commitSha === fixed, 10_000);
    expect(revision).toMatchObject({ commitSha: fixed, status: 'rendered' });

    const { revisionDiff } = await ok<{ revisionDiff: Array<{ subject: string; change: string; patch: string }> }>(
      `query($from: String!, $to: String!) { revisionDiff(application: "guestbook", cluster: "eu-1", from: $from, to: $to) { subject change patch } }`,
      { from: firstCommit.slice(0, 10), to: fixed },
    );
    expect(revisionDiff.map((change) => [change.subject, change.change])).toEqual([['Deployment/guestbook/guestbook', 'modified']]);
    expect(revisionDiff[0].patch).toContain('-        image: registry.example.com/guestbook:1.0.3\n+        image: registry.example.com/guestbook:1.0.4');
    const staging = await ok<{ revisionDiff: unknown[] }>(`query($from: String!, $to: String!) { revisionDiff(application: "guestbook", cluster: "stage-1", from: $from, to: $to) { subject } }`, {
      from: firstCommit,
      to: fixed,
    });
    expect(staging.revisionDiff).toEqual([]);
  });

  it('renders again, without a new commit, a revision that failed only because a cluster was in two targeted groups', async () => {
    await ok(`mutation { updateClusterGroup(input: { name: "production", members: ["stage-1"] }) { name } }`);
    const conflicted = await repository.commit({ 'apps/static/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: static\ndata:\n  mode: second\n' }, 'Change the static settings');
    expect((await push(conflicted)).status).toBe(202);
    const failed = await eventually(() => revisions('static'), (list) => list.some((revision) => revision.commitSha === conflicted));
    expect(failed.find((revision) => revision.commitSha === conflicted)).toMatchObject({ status: 'failed', error: expect.stringMatching(/cluster stage-1 is in groups production and staging/) });
    expect((await current('static'))?.commitSha).not.toBe(conflicted);

    await ok(`mutation { updateClusterGroup(input: { name: "production", members: [] }) { name } }`);
    const mended = await eventually(() => current('static'), (revision) => revision?.commitSha === conflicted, 10_000);
    expect(mended).toMatchObject({ commitSha: conflicted, status: 'rendered' });
    expect(Object.keys(mended?.clusterDigests ?? {}).sort()).toEqual(['eu-1', 'stage-1', 'stage-2', 'us-1']);
  });

  it('rejects a diff against a commit the application never rendered, naming the argument', async () => {
    const response = await hub.graphql(`{ revisionDiff(application: "guestbook", cluster: "eu-1", from: "0000000", to: "1111111") { subject } }`);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_ARGUMENT', fields: [{ field: 'from' }] });
  });
});
