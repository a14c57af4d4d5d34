/**
 * A rollout across a fleet on one machine: ROLLOUT_BENCH_CLUSTERS (1,000) simulated clusters with
 * their agents, in 4 stages (1 %, 10 %, 30 %, the rest), maxConcurrency 25 %, no bake. Figures:
 * - rolloutMs: syncSource asked for the new commit (rendered, the rollout started) → Succeeded;
 * - ungatedMs: the same kind of change without a strategy, in the same run: syncSource asked →
 *   the last cluster's Healthy report on it (both from this process's clock, render included);
 * - stepLatencyP99Ms: per batch, the last of its clusters to report Healthy at the new revision →
 *   the next batch's desired states written (the `desired.changed` events' times);
 * - planMsPer1000Clusters: libs/rollout planning one step of a 1,000-cluster rollout, in process.
 * Last stdout line: one JSON object.
 */
import { type ClusterObservation, type FleetCluster, type RevisionRef, startRollout, stepRollout, type RolloutStrategy } from '@capstan/rollout';
import { TestGitRepository } from '../apps/hub/src/testing/git-repository';
import { AgentsProcess, databaseKind, HubProcess, hubAddress, KubeSimProcess, log, percentile, until } from './fleet/processes';

const clusterCount = Number(process.env.ROLLOUT_BENCH_CLUSTERS ?? 1_000);
const rings = [
  { name: 'canary', share: 0.01 },
  { name: 'early', share: 0.1 },
  { name: 'broad', share: 0.3 },
  { name: 'rest', share: 0.59 },
];

/** The ring of the cluster at `index`: the first 1 % canary, the next 10 % early, and so on. */
function ringOf(index: number): string {
  let end = 0;
  for (const ring of rings) {
    end += Math.round(ring.share * clusterCount);
    if (index < end) return ring.name;
  }
  return 'rest';
}

const strategy = `{ stages: [${rings.map((ring) => `{ name: "${ring.name}", selector: "ring=${ring.name}", maxConcurrency: "25%" }`).join(', ')}] }`;

function shopFiles(release: number): Record<string, string> {
  return {
    'apps/shop/kustomization.yaml': 'namespace: shop\nresources:\n  - namespace.yaml\n  - web.yaml\n',
    'apps/shop/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
    'apps/shop/web.yaml': [
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: registry.example/web:${release}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  release: "${release}"\n`,
    ].join('---\n'),
  };
}

interface StatusView {
  cluster: string;
  health: string;
  revision: string | null;
  reportedAt: string;
}

async function statuses(hub: HubProcess): Promise<StatusView[]> {
  const data = await hub.graphql<{ application: { clusters: StatusView[] } }>(`{ application(name: "shop") { clusters { cluster health revision reportedAt } } }`);
  return data.application.clusters;
}

/** The clusters' `desired.changed` times for one revision, by cluster. */
async function desiredChangedAt(hub: HubProcess, revision: string): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  let after: string | null = null;
  for (;;) {
    type Page = { events: { edges: Array<{ node: { cluster: string | null; occurredAt: string; details: { revision?: string } } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    const page: Page = await hub.graphql(`query($after: String) { events(application: "shop", type: "desired.changed", first: 500, after: $after) { edges { node { cluster occurredAt details } } pageInfo { hasNextPage endCursor } } }`, { after });
    for (const { node } of page.events.edges) if (node.cluster && node.details.revision === revision && !times.has(node.cluster)) times.set(node.cluster, Date.parse(node.occurredAt));
    if (!page.events.pageInfo.hasNextPage) return times;
    after = page.events.pageInfo.endCursor;
  }
}

/** Commits a release and has the hub fetch and render it; `syncedAt`: just before the hub is asked, on this process's clock. */
async function commitAndSync(hub: HubProcess, repository: TestGitRepository, release: number): Promise<{ id: string; commitSha: string; syncedAt: number }> {
  await repository.commit(shopFiles(release), `Release ${release}`);
  const syncedAt = Date.now();
  await hub.graphql(`mutation { syncSource(name: "shop") { status } }`);
  const data = await hub.graphql<{ revisions: { edges: Array<{ node: { id: string; commitSha: string } }> } }>(`{ revisions(application: "shop", first: 1) { edges { node { id commitSha } } } }`);
  return { ...data.revisions.edges[0].node, syncedAt };
}

/** The same change everywhere at once: syncSource asked → the last cluster's Healthy report on it. */
async function ungated(hub: HubProcess, repository: TestGitRepository): Promise<number> {
  const revision = await commitAndSync(hub, repository, 2);
  const healthyOn = (status: StatusView) => status.health === 'Healthy' && status.revision === revision.commitSha;
  // Looked at once a second: a thousand statuses per look, more often, would slow the hub being measured.
  await until('every cluster Healthy on release 2', async () => (await statuses(hub)).filter(healthyOn).length === clusterCount, 600_000, 1_000);
  return Math.max(...(await statuses(hub)).map((status) => Date.parse(status.reportedAt))) - revision.syncedAt;
}

interface RolloutView {
  id: string;
  state: string;
  reason: string;
  startedAt: string;
  finishedAt: string | null;
  stages: Array<{ batches: Array<{ clusters: Array<{ cluster: string }> }> }>;
}

async function gated(hub: HubProcess, repository: TestGitRepository): Promise<{ rolloutMs: number; stepLatencies: number[] }> {
  await hub.graphql(`mutation { updateApplication(input: { name: "shop", rolloutStrategy: ${strategy} }) { name } }`);
  const revision = await commitAndSync(hub, repository, 3);
  // Only the state while it runs: the whole record of a thousand clusters, asked for often, would load the hub being measured.
  const latest = async (fields: string) => (await hub.graphql<{ rollouts: { edges: Array<{ node: RolloutView }> } }>(`{ rollouts(application: "shop", first: 1) { edges { node { ${fields} } } } }`)).rollouts.edges[0]?.node;
  await until(
    'the rollout to succeed',
    async () => {
      const rollout = await latest('id state reason');
      if (rollout?.state === 'Paused' || rollout?.state === 'RolledBack') throw new Error(`the rollout stopped: ${JSON.stringify(rollout)}`);
      return rollout?.state === 'Succeeded';
    },
    600_000,
    100,
  );
  const done = (await latest('id state startedAt finishedAt stages { batches { clusters { cluster } } }')) as RolloutView;
  const reportedAt = new Map((await statuses(hub)).map((status) => [status.cluster, Date.parse(status.reportedAt)]));
  const started = await desiredChangedAt(hub, revision.id);
  const batches = done.stages.flatMap((stage) => stage.batches.map((batch) => batch.clusters.map(({ cluster }) => cluster)));
  const stepLatencies = batches.slice(1).map((batch, index) => {
    const lastHealthy = Math.max(...batches[index].map((cluster) => reportedAt.get(cluster) ?? NaN));
    return Math.min(...batch.map((cluster) => started.get(cluster) ?? NaN)) - lastHealthy;
  });
  return { rolloutMs: Date.parse(done.finishedAt as string) - revision.syncedAt, stepLatencies };
}

/** One planning step of a 1,000-cluster rollout in its first stage, every cluster reporting: the planner alone. */
function planMsPer1000Clusters(): number {
  const names = Array.from({ length: 1_000 }, (_, index) => `cluster-${index}`);
  const fleet: FleetCluster[] = names.map((name, index) => ({ name, labels: { ring: rings[Math.min(3, Math.floor(index / 250))].name }, groups: [] }));
  const running: RevisionRef = { revisionId: 'r1', bundleDigest: 'sha256:r1' };
  const target: RevisionRef = { revisionId: 'r2', bundleDigest: 'sha256:r2' };
  const planStrategy: RolloutStrategy = { stages: rings.map((ring) => ({ name: ring.name, selector: `ring=${ring.name}`, maxConcurrency: '25%' })) };
  const observations = new Map<string, ClusterObservation>(
    names.map((cluster) => [cluster, { cluster, connected: true, paused: false, desired: running, reported: { bundleDigest: running.bundleDigest, syncState: 'Synced', health: { status: 'Healthy', message: '' }, error: '', reportedAt: 0 }, openDrift: false }]),
  );
  const { record } = startRollout({ revisionId: 'r2', strategy: planStrategy, fleet, targets: Object.fromEntries(names.map((name) => [name, target])), observations, now: 0 });
  const rounds = 200;
  const startedAt = performance.now();
  for (let round = 0; round < rounds; round++) stepRollout({ strategy: planStrategy, record, observations, now: round });
  return Math.round(((performance.now() - startedAt) / rounds) * 100) / 100;
}

async function main(): Promise<void> {
  const kubeSim = await KubeSimProcess.start({ controllers: true });
  const repository = await TestGitRepository.create();
  const hub = await HubProcess.start();
  const agents = AgentsProcess.spawn();
  try {
    await repository.commit(shopFiles(1), 'Release 1');
    const names = Array.from({ length: clusterCount }, (_, index) => `rollout-${index}`);
    await kubeSim.addClusters(names);
    await hub.graphql(`mutation { createClusterGroup(input: { name: "fleet", selector: "ring" }) { name } }`);
    await hub.graphql(`mutation($url: String!) { createSource(input: { name: "shop", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await hub.graphql(`mutation { createApplication(input: { name: "shop", source: "shop", basePath: "apps/shop", targets: [{ group: "fleet" }] }) { name } }`);
    const tokens = new Map<string, string>();
    let hubPublicKey = '';
    for (const ring of rings) {
      const members = names.filter((_, index) => ringOf(index) === ring.name);
      const registered = await hub.registerClusters(members, { ring: ring.name });
      for (const [name, token] of registered.tokens) tokens.set(name, token);
      hubPublicKey = registered.hubPublicKey;
    }
    await agents.start(names.map((cluster, index) => ({ cluster, bootstrapToken: tokens.get(cluster) as string, hubAddress: hubAddress(index, hub.grpcPort) })), hubPublicKey, kubeSim.url);
    await until('every agent to sync release 1', () => agents.syncedSince('shop', names, 0).length === clusterCount, 600_000);
    await until('every cluster Healthy on release 1', async () => (await statuses(hub)).filter((status) => status.health === 'Healthy').length === clusterCount, 600_000, 1_000);
    log(`${clusterCount} clusters run release 1`);

    const ungatedMs = await ungated(hub, repository);
    log(`release 2 everywhere at once: ${ungatedMs} ms`);
    const { rolloutMs, stepLatencies } = await gated(hub, repository);
    log(`release 3 in 4 stages: ${rolloutMs} ms; ${stepLatencies.length} batch steps`);
    console.log(
      JSON.stringify({
        benchmark: 'rollout',
        database: databaseKind,
        clusters: clusterCount,
        stages: rings.length,
        batchSteps: stepLatencies.length,
        rolloutMs,
        ungatedMs,
        rolloutToUngated: Math.round((rolloutMs / ungatedMs) * 100) / 100,
        stepLatencyP50Ms: percentile(stepLatencies, 0.5),
        stepLatencyP99Ms: percentile(stepLatencies, 0.99),
        stepLatencyMaxMs: Math.max(...stepLatencies),
        planMsPer1000Clusters: planMsPer1000Clusters(),
      }),
    );
  } finally {
    if (agents.failures.length) log(`agent failures: ${agents.failures.length}, e.g. ${agents.failures[0]}`);
    await agents.stop();
    await hub.stop();
    kubeSim.stop();
    repository.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
