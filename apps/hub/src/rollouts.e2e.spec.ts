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
  gate: { kind: string; stage: string } | null;
  stages: Array<{ name: string; state: string; batches: Array<{ state: string; clusters: Array<{ cluster: string; state: string; reason: string }> }> }>;
}
const rolloutFields = `id state reason revision commitSha startedBy gate { kind stage } progress { total succeeded failed skipped rolledBack } stages { name state batches { state clusters { cluster state reason } } }`;

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

  const clusterState = (rollout: RolloutView | undefined, name: string) => rollout?.stages.flatMap((stage) => stage.batches.flatMap((batch) => batch.clusters)).find((cluster) => cluster.cluster === name)?.state;
  /** The newest rollout once it is not `notBefore` and `accept` holds. */
  const rolloutWhen = (notBefore: string | undefined, accept: (rollout: RolloutView) => boolean) =>
    eventually(latestRollout, (rollout) => rollout !== undefined && rollout.id !== notBefore && accept(rollout), 30_000) as Promise<RolloutView>;
  const act = async (mutation: string, id: string, extra = '') =>
    (await fleet.hub.data<Record<string, { state: string }>>(`mutation($id: ID!) { ${mutation}(id: $id, ${extra}reason: "${mutation} by the release manager") { state } }`, { id }))[mutation].state;
  let release2Revision = '';

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
    release2Revision = second.revision;
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

  it('under pause, waits at the failed canary for a decision; a retry has it apply afresh and judges it again; abort is audited with its reason', async () => {
    await fleet.hub.data(`mutation { updateApplication(input: { name: "shop", rolloutStrategy: ${strategy('pause')} }) { name } }`);
    const previous = await latestRollout();
    await commitAndSync('shop/web:broken-again', 'Release 4, broken too');
    const paused = await followRollout(previous?.id ?? null);
    expect(paused.state).toBe('Paused');
    expect(paused.stages[0].batches[0].clusters[0]).toMatchObject({ cluster: 'canary-1', state: 'Failed', reason: expect.stringMatching(/.+/) });

    const refused = await fleet.hub.graphql(`mutation($id: ID!) { approveRolloutStage(id: $id, stage: "prod", reason: "ship it") { state } }`, { id: paused.id });
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');

    // Retried, the canary gets the revision and a deadline again; judged on what it reports after the retry, it fails again.
    expect(await act('retryRollout', paused.id)).toBe('Progressing');
    const retried = await rolloutWhen(undefined, (rollout) => rollout.id === paused.id && rollout.state === 'Paused');
    expect(retried.stages[0].batches[0].clusters[0]).toMatchObject({ cluster: 'canary-1', state: 'Failed' });

    const aborted = await fleet.hub.data<{ abortRollout: { state: string } }>(`mutation($id: ID!) { abortRollout(id: $id, reason: "the image is broken; fixing forward") { state } }`, { id: paused.id });
    expect(aborted.abortRollout.state).toBe('Aborted');
    const audit = await fleet.hub.data<{ auditLog: { edges: Array<{ node: { action: string; reason: string | null; targetName: string } }> } }>(`{ auditLog(first: 5) { edges { node { action reason targetName } } } }`);
    expect(audit.auditLog.edges.slice(0, 2).map((edge) => edge.node)).toEqual([
      { action: 'rollout.abort', reason: 'the image is broken; fixing forward', targetName: paused.id },
      { action: 'rollout.retry', reason: 'retryRollout by the release manager', targetName: paused.id },
    ]);
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
    // A paused cluster applies nothing until resumed: it is skipped too, not left to time out.
    await fleet.hub.data(`mutation { pauseCluster(name: "prod-2", reason: "maintenance window") { name } }`);
    await commitAndSync('shop/web:5', 'Release 5');
    const done = await followRollout(previous?.id ?? null);
    expect(done).toMatchObject({ state: 'Succeeded', progress: { total: 6, succeeded: 4, skipped: 2, failed: 0 } });
    const prodClusters = done.stages[2].batches.flatMap((batch) => batch.clusters);
    expect(prodClusters.find((cluster) => cluster.cluster === 'prod-3')).toMatchObject({ state: 'Skipped', reason: expect.stringMatching(/not connected/) });
    expect(prodClusters.find((cluster) => cluster.cluster === 'prod-2')).toMatchObject({ state: 'Skipped', reason: 'cluster paused' });
    expect((await desiredRevisions()).get('prod-3')).toBe(done.revision);
    expect(imageOn('prod-3')).toBe('shop/web:2');
    expect(imageOn('prod-2')).toBe('shop/web:2');

    agents.set('prod-3', await fleet.startAgent('prod-3', { stage: 'prod' }));
    await fleet.hub.data(`mutation { resumeCluster(name: "prod-2", reason: "maintenance over") { name } }`);
    await until(() => imageOn('prod-3') === 'shop/web:5' && imageOn('prod-2') === 'shop/web:5', 30_000);
  }, 150_000);

  it('pauses, resumes, promotes past a bake and approves a stage at an operator\'s word, each audited; a cluster that joins meanwhile follows once it succeeds; a newer commit supersedes the rollout in flight', async () => {
    // Staging bakes for ten minutes unless promoted; prod waits for an approval.
    await fleet.hub.data(`mutation { updateApplication(input: { name: "shop", rolloutStrategy: {
      onFailure: pause,
      stages: [
        { name: "canary", selector: "stage=canary", minBakeTimeSeconds: 3, progressDeadlineSeconds: 20 },
        { name: "staging", selector: "stage=staging", maxConcurrency: "1", minBakeTimeSeconds: 600, progressDeadlineSeconds: 20 },
        { name: "prod", selector: "stage=prod", maxConcurrency: "2", approvalBefore: true, progressDeadlineSeconds: 20 }
      ] } }) { name } }`);
    const previous = await latestRollout();
    await commitAndSync('shop/web:6', 'Release 6');
    const canaryBaking = await rolloutWhen(previous?.id, (rollout) => clusterState(rollout, 'canary-1') === 'Baking');
    const id = canaryBaking.id;

    // Paused, the canary's bake ends but staging does not start.
    expect(await act('pauseRollout', id)).toBe('Paused');
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const paused = await latestRollout();
    expect(paused?.state).toBe('Paused');
    expect(['staging-1', 'staging-2'].map((name) => clusterState(paused, name))).toEqual(['Pending', 'Pending']);

    expect(await act('resumeRollout', id)).toBe('Progressing');
    const stagingBaking = await rolloutWhen(undefined, (rollout) => rollout.id === id && clusterState(rollout, 'staging-1') === 'Baking');
    expect(stagingBaking.gate).toEqual({ kind: 'bake', stage: 'staging' });
    expect(clusterState(stagingBaking, 'canary-1')).toBe('Succeeded');

    // Promoted, each staging cluster's bake is cut short; then prod waits for its approval.
    await act('promoteRollout', id);
    await rolloutWhen(undefined, (rollout) => rollout.id === id && clusterState(rollout, 'staging-1') === 'Succeeded' && clusterState(rollout, 'staging-2') === 'Baking');
    await act('promoteRollout', id);
    const waiting = await rolloutWhen(undefined, (rollout) => rollout.id === id && rollout.state === 'WaitingForApproval');
    expect(waiting.gate).toEqual({ kind: 'approval-before', stage: 'prod' });
    for (const name of ['prod-1', 'prod-2', 'prod-3']) expect(imageOn(name)).toBe('shop/web:5');
    // A cluster that joins now runs the revision in force, release 5, until the rollout has succeeded.
    agents.set('prod-4', await fleet.startAgent('prod-4', { stage: 'prod' }));
    await until(() => imageOn('prod-4') === 'shop/web:5');

    expect(await act('approveRolloutStage', id, 'stage: "prod", ')).toBe('Progressing');
    await rolloutWhen(undefined, (rollout) => rollout.id === id && rollout.state === 'Succeeded');
    for (const name of [...clusters.map((cluster) => cluster.name), 'prod-4']) await until(() => imageOn(name) === 'shop/web:6');
    const audit = await fleet.hub.data<{ auditLog: { edges: Array<{ node: { action: string; reason: string | null; targetName: string } }> } }>(`{ auditLog(first: 20) { edges { node { action reason targetName } } } }`);
    const onTheRollout = audit.auditLog.edges.filter((edge) => edge.node.targetName === id);
    expect(onTheRollout.map((edge) => [edge.node.action, edge.node.targetName, edge.node.reason])).toEqual([
      ['rollout.approve', id, 'approveRolloutStage by the release manager'],
      ['rollout.promote', id, 'promoteRollout by the release manager'],
      ['rollout.promote', id, 'promoteRollout by the release manager'],
      ['rollout.resume', id, 'resumeRollout by the release manager'],
      ['rollout.pause', id, 'pauseRollout by the release manager'],
    ]);

    // Release 7 reaches staging; release 8 is committed meanwhile and takes over from the canary.
    await commitAndSync('shop/web:7', 'Release 7');
    const seven = await rolloutWhen(id, (rollout) => clusterState(rollout, 'staging-1') === 'Baking');
    await commitAndSync('shop/web:8', 'Release 8');
    const eight = await rolloutWhen(seven.id, (rollout) => rollout.state === 'Progressing');
    const superseded = (await fleet.hub.data<{ rollout: RolloutView }>(`query($id: ID!) { rollout(id: $id) { ${rolloutFields} } }`, { id: seven.id })).rollout;
    expect(superseded).toMatchObject({ state: 'Superseded', reason: expect.stringMatching(new RegExp(`superseded by the rollout of commit ${eight.commitSha}`)) });
    expect(clusterState(eight, 'canary-1')).not.toBe('Pending');
    expect(['staging-1', 'staging-2', 'prod-1', 'prod-2', 'prod-3'].map((name) => clusterState(eight, name))).toEqual(['Pending', 'Pending', 'Pending', 'Pending', 'Pending']);
    // Prod never saw release 7.
    for (const name of ['prod-1', 'prod-2', 'prod-3']) expect(imageOn(name)).toBe('shop/web:6');
    await rolloutWhen(undefined, (rollout) => rollout.id === eight.id && clusterState(rollout, 'staging-1') === 'Baking');
    await act('promoteRollout', eight.id);
    await rolloutWhen(undefined, (rollout) => rollout.id === eight.id && clusterState(rollout, 'staging-2') === 'Baking');
    await act('promoteRollout', eight.id);
    await rolloutWhen(undefined, (rollout) => rollout.id === eight.id && rollout.state === 'WaitingForApproval');
    await act('approveRolloutStage', eight.id, 'stage: "prod", ');
    const eightDone = await rolloutWhen(undefined, (rollout) => rollout.id === eight.id && rollout.state === 'Succeeded');
    expect(eightDone.progress).toMatchObject({ total: 7, succeeded: 7 });
    for (const name of [...clusters.map((cluster) => cluster.name), 'prod-4']) await until(() => imageOn(name) === 'shop/web:8');
  }, 150_000);

  it('rolls back to an earlier revision at once, from stored bundles, with the git source unreachable', async () => {
    fleet.repository.remove();
    const rollback = await fleet.hub.data<{ rollback: { id: string; state: string; startedBy: string } }>(`mutation($revision: ID!) { rollback(application: "shop", toRevision: $revision, reason: "release 8 is slow", immediate: true) { id state startedBy } }`, { revision: release2Revision });
    expect(rollback.rollback.startedBy).toMatch(/admin/);
    const done = await eventually(latestRollout, (rollout) => rollout?.id === rollback.rollback.id && rollout.state === 'Succeeded', 30_000);
    expect(done.progress.succeeded).toBe(6);
    for (const { name } of clusters) expect(imageOn(name)).toBe('shop/web:2');
    // Release 2 was rendered before prod-4 joined: placed again, it follows the revision in force too.
    await until(() => imageOn('prod-4') === 'shop/web:2');
  }, 90_000);
});
