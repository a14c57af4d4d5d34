import type { Agent } from '@capstan/agent-engine';
import { startTestFleet, type TestFleet } from './testing/test-fleet';
import { eventually, until } from './testing/wait';

/** The shop: a Deployment whose image says the release; kube-sim never starts images named "broken". */
const release = (image: string) => ({
  'apps/shop/kustomization.yaml': 'namespace: shop\nresources:\n  - namespace.yaml\n  - web.yaml\n',
  'apps/shop/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
  'apps/shop/web.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n`,
});

const clusters = [
  { name: 'canary-1', stage: 'canary' },
  { name: 'staging-1', stage: 'staging' },
  { name: 'staging-2', stage: 'staging' },
  { name: 'prod-1', stage: 'prod' },
  { name: 'prod-2', stage: 'prod' },
  { name: 'prod-3', stage: 'prod' },
];
const concurrency: Record<string, number> = { canary: 1, staging: 1, prod: 2 };

const strategy = (onFailure: 'pause' | 'rollback') => `{
  onFailure: ${onFailure},
  stages: [
    { name: "canary", selector: "stage=canary", minBakeTimeSeconds: 1, progressDeadlineSeconds: 20 },
    { name: "staging", selector: "stage=staging", maxConcurrency: "1", minBakeTimeSeconds: 1, progressDeadlineSeconds: 20 },
    { name: "prod", selector: "stage=prod", maxConcurrency: "2", progressDeadlineSeconds: 20 }
  ]
}`;

interface RolloutView {
  id: string;
  state: string;
  reason: string;
  revision: string;
  commitSha: string;
  startedBy: string;
  progress: { total: number; succeeded: number; failed: number; skipped: number; rolledBack: number };
  stages: Array<{ name: string; state: string; batches: Array<{ state: string; clusters: Array<{ cluster: string; state: string; reason: string }> }> }>;
}
const rolloutFields = `id state reason revision commitSha startedBy progress { total succeeded failed skipped rolledBack } stages { name state batches { state clusters { cluster state reason } } }`;

describe('progressive rollouts across a fleet, with health gates and rollback', () => {
  let fleet: TestFleet;
  const agents = new Map<string, Agent>();
  const latestRollout = async () => (await fleet.hub.data<{ rollouts: { edges: Array<{ node: RolloutView }> } }>(`{ rollouts(application: "shop", first: 1) { edges { node { ${rolloutFields} } } } }`)).rollouts.edges[0]?.node;
  const desiredRevisions = async () => {
    const revisions = new Map<string, string>();
    for (const { name } of clusters) {
      const data = await fleet.hub.data<{ cluster: { desiredState: Array<{ application: string; revision: string }> } }>(`{ cluster(name: "${name}") { desiredState { application revision } } }`);
      revisions.set(name, data.cluster.desiredState.find((state) => state.application === 'shop')?.revision ?? '');
    }
    return revisions;
  };
  const imageOn = (cluster: string) =>
    (fleet.kubeSim.cluster(cluster).findObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }) as { spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } } } | undefined)?.spec?.template?.spec?.containers?.[0]?.image;

  /** Follows a rollout until it ends, checking at every look that stages run in order and batches within their concurrency. */
  async function followRollout(notBefore: string | null): Promise<RolloutView> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const rollout = await latestRollout();
      if (rollout && rollout.id !== notBefore) {
        const started = (stage: RolloutView['stages'][number]) => stage.batches.some((batch) => batch.clusters.some((cluster) => cluster.state !== 'Pending'));
        rollout.stages.forEach((stage, index) => {
          const inFlight = stage.batches.flatMap((batch) => batch.clusters).filter((cluster) => cluster.state === 'Updating' || cluster.state === 'Baking');
          expect(inFlight.length).toBeLessThanOrEqual(concurrency[stage.name]);
          // A later stage starts only once every earlier one is done.
          if (started(stage)) for (const earlier of rollout.stages.slice(0, index)) expect(['Succeeded', 'Failed']).toContain(earlier.state);
        });
        if (['Succeeded', 'RolledBack', 'Paused', 'Failed', 'Aborted'].includes(rollout.state)) return rollout;
      }
      if (Date.now() > deadline) throw new Error(`the rollout did not end: ${JSON.stringify(rollout)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const commitAndSync = async (image: string, message: string) => {
    await fleet.repository.commit(release(image), message);
    await fleet.hub.data(`mutation { syncSource(name: "fleet") { status } }`);
  };

  beforeAll(async () => {
    // Deployments take a moment to become ready, as real ones do; a broken image never does and fails its progress deadline after 1 s.
    fleet = await startTestFleet('pglite', release('shop/web:1'), { controllers: { readyDelayMs: 300, progressDeadlineMs: 1_000 } });
    await fleet.hub.data(`mutation { createClusterGroup(input: { name: "everywhere", selector: "stage" }) { name } }`);
    await fleet.hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: fleet.repository.url });
    for (const { name, stage } of clusters) agents.set(name, await fleet.startAgent(name, { stage }));
    await fleet.hub.data(`mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop", prune: true, targets: [{ group: "everywhere" }], rolloutStrategy: ${strategy('rollback')} }) { name } }`);
  }, 60_000);
  afterAll(() => fleet.close());

  it('rolls a good revision out canary → staging → prod, a batch at a time, each bake waited for', async () => {
    const first = await followRollout(null);
    expect(first).toMatchObject({ state: 'Succeeded', startedBy: 'system', progress: { total: 6, succeeded: 6, failed: 0 } });

    await commitAndSync('shop/web:2', 'Release 2');
    const second = await followRollout(first.id);
    expect(second).toMatchObject({ state: 'Succeeded', progress: { total: 6, succeeded: 6 } });
    expect(second.stages.map((stage) => [stage.name, stage.state, stage.batches.length])).toEqual([
      ['canary', 'Succeeded', 1],
      ['staging', 'Succeeded', 2],
      ['prod', 'Succeeded', 2],
    ]);
    for (const { name } of clusters) expect(imageOn(name)).toBe('shop/web:2');
    // The hub says every cluster is Healthy at the new revision.
    const statuses = await fleet.hub.data<{ application: { clusters: Array<{ cluster: string; health: string; revision: string | null }> } }>(`{ application(name: "shop") { clusters { cluster health revision } } }`);
    expect(statuses.application.clusters).toHaveLength(6);
    expect(statuses.application.clusters.every((status) => status.health === 'Healthy' && status.revision === second.commitSha)).toBe(true);
    const current = await fleet.hub.data<{ application: { currentRevision: { id: string } } }>(`{ application(name: "shop") { currentRevision { id } } }`);
    expect(current.application.currentRevision.id).toBe(second.revision);
  }, 120_000);

  it('stops a revision whose pods never become ready at the canary and rolls the canary back; prod never sees it and the revision is rejected', async () => {
    const before = await desiredRevisions();
    const previous = await latestRollout();
    await commitAndSync('shop/web:broken', 'Release 3, broken');
    const bad = await followRollout(previous?.id ?? null);
    expect(bad.state).toBe('RolledBack');
    expect(bad.reason).toMatch(/canary/);
    const canary = bad.stages[0].batches[0].clusters[0];
    expect(canary).toMatchObject({ cluster: 'canary-1', state: 'RolledBack' });
    expect(bad.stages.slice(1).flatMap((stage) => stage.batches.flatMap((batch) => batch.clusters)).every((cluster) => cluster.state === 'Pending')).toBe(true);

    // Canary back on release 2, everywhere else never left it.
    expect(await desiredRevisions()).toEqual(before);
    await until(() => imageOn('canary-1') === 'shop/web:2');
    for (const name of ['staging-1', 'staging-2', 'prod-1', 'prod-2', 'prod-3']) expect(imageOn(name)).toBe('shop/web:2');
    const revision = await fleet.hub.data<{ revisions: { edges: Array<{ node: { id: string; rejectedAt: string | null; rejectedReason: string | null } }> } }>(`{ revisions(application: "shop", first: 1) { edges { node { id rejectedAt rejectedReason } } } }`);
    expect(revision.revisions.edges[0].node).toMatchObject({ id: bad.revision, rejectedAt: expect.any(String), rejectedReason: expect.stringMatching(/canary/) });

    const events = await fleet.hub.data<{ events: { edges: Array<{ node: { type: string; cluster: string | null } }> } }>(`query($rollout: ID) { events(rollout: $rollout, first: 50) { edges { node { type cluster } } } }`, { rollout: bad.id });
    const types = events.events.edges.map((edge) => edge.node.type);
    expect(types).toEqual(expect.arrayContaining(['rollout.started', 'rollout.cluster.failed', 'rollout.rolling-back', 'rollout.rolled-back']));
    expect(events.events.edges.find((edge) => edge.node.type === 'rollout.cluster.failed')?.node.cluster).toBe('canary-1');
  }, 120_000);

  it('under pause, waits at the failed canary for a decision; abort is audited with its reason', async () => {
    await fleet.hub.data(`mutation { updateApplication(input: { name: "shop", rolloutStrategy: ${strategy('pause')} }) { name } }`);
    const previous = await latestRollout();
    await commitAndSync('shop/web:broken-again', 'Release 4, broken too');
    const paused = await followRollout(previous?.id ?? null);
    expect(paused.state).toBe('Paused');
    expect(paused.stages[0].batches[0].clusters[0]).toMatchObject({ cluster: 'canary-1', state: 'Failed', reason: expect.stringMatching(/.+/) });

    const refused = await fleet.hub.graphql(`mutation($id: ID!) { approveRolloutStage(id: $id, stage: "prod", reason: "ship it") { state } }`, { id: paused.id });
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');

    const aborted = await fleet.hub.data<{ abortRollout: { state: string } }>(`mutation($id: ID!) { abortRollout(id: $id, reason: "the image is broken; fixing forward") { state } }`, { id: paused.id });
    expect(aborted.abortRollout.state).toBe('Aborted');
    const audit = await fleet.hub.data<{ auditLog: { edges: Array<{ node: { action: string; reason: string | null; targetName: string } }> } }>(`{ auditLog(first: 5) { edges { node { action reason targetName } } } }`);
    expect(audit.auditLog.edges[0].node).toEqual({ action: 'rollout.abort', reason: 'the image is broken; fixing forward', targetName: paused.id });
    // Prod still runs release 2.
    for (const name of ['prod-1', 'prod-2', 'prod-3']) expect(imageOn(name)).toBe('shop/web:2');
  }, 120_000);

  it('skips a cluster whose agent is away, and brings it to the revision once it is back', async () => {
    const previous = await latestRollout();
    await agents.get('prod-3')?.stop();
    await eventually(
      () => fleet.hub.data<{ cluster: { connected: boolean } }>(`{ cluster(name: "prod-3") { connected } }`),
      (data) => !data.cluster.connected,
      45_000,
    );
    await commitAndSync('shop/web:5', 'Release 5');
    const done = await followRollout(previous?.id ?? null);
    expect(done).toMatchObject({ state: 'Succeeded', progress: { total: 6, succeeded: 5, skipped: 1, failed: 0 } });
    const prod3 = done.stages[2].batches.flatMap((batch) => batch.clusters).find((cluster) => cluster.cluster === 'prod-3');
    expect(prod3).toMatchObject({ state: 'Skipped', reason: expect.stringMatching(/not connected/) });
    expect((await desiredRevisions()).get('prod-3')).toBe(done.revision);
    expect(imageOn('prod-3')).toBe('shop/web:2');

    agents.set('prod-3', await fleet.startAgent('prod-3', { stage: 'prod' }));
    await until(() => imageOn('prod-3') === 'shop/web:5', 30_000);
  }, 150_000);

  it('rolls back to an earlier revision at once, from stored bundles, with the git source unreachable', async () => {
    const revisions = await fleet.hub.data<{ revisions: { edges: Array<{ node: { id: string; commitSha: string; status: string; rejectedAt: string | null } }> } }>(`{ revisions(application: "shop", first: 10) { edges { node { id commitSha status rejectedAt } } } }`);
    const release2 = revisions.revisions.edges[3].node;
    fleet.repository.remove();
    const rollback = await fleet.hub.data<{ rollback: { id: string; state: string; startedBy: string } }>(`mutation($revision: ID!) { rollback(application: "shop", toRevision: $revision, reason: "release 5 is slow", immediate: true) { id state startedBy } }`, { revision: release2.id });
    expect(rollback.rollback.startedBy).toMatch(/admin/);
    const done = await eventually(latestRollout, (rollout) => rollout?.id === rollback.rollback.id && rollout.state === 'Succeeded', 30_000);
    expect(done.progress.succeeded).toBe(6);
    for (const { name } of clusters) expect(imageOn(name)).toBe('shop/web:2');
  }, 90_000);
});
