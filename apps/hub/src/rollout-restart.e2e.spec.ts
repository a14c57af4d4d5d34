import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '@capstan/agent-engine';
import { KubeSimServer } from '@capstan/kube-sim';
import { provisionTestDatabase, type ProvisionedDatabase, testDatabaseKinds } from '@capstan/persistence';
import { freePort } from './testing/free-port';
import { edgeRelease, edgeReleaseOn } from './testing/edge-application';
import { TestGitRepository } from './testing/git-repository';
import { type HubProcess, spawnHubProcess } from './testing/hub-process';
import { startRegisteredAgent } from './testing/test-agent';
import { graphqlData } from './testing/test-hub';
import { eventually, until } from './testing/wait';

const clusters = [
  { name: 'edge-canary', ring: 'canary' },
  { name: 'edge-1', ring: 'main' },
  { name: 'edge-2', ring: 'main' },
];
// Long enough a bake that the hub is killed in the middle of it.
const strategy = `{ stages: [{ name: "canary", selector: "ring=canary", minBakeTimeSeconds: 1 }, { name: "main", selector: "ring=main", maxConcurrency: "1", minBakeTimeSeconds: 6 }] }`;

interface RolloutView {
  id: string;
  state: string;
  stages: Array<{ name: string; batches: Array<{ clusters: Array<{ cluster: string; state: string; since: string }> }> }>;
}

describe.each(testDatabaseKinds())('a hub killed in the middle of a rollout (%s)', (kind) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'capstan-rollout-kill-'));
  const adminToken = `capstan_${randomBytes(24).toString('base64url')}`;
  let database: ProvisionedDatabase;
  let hub: HubProcess;
  let url: string;
  let args: string[];
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  const agents: Agent[] = [];
  /** The values each cluster's agent applied, in order. */
  const applied = new Map<string, string[]>();
  const graphql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => graphqlData<T>(url, adminToken, query, variables);
  const latestRollout = async () => (await graphql<{ rollouts: { edges: Array<{ node: RolloutView }> } }>(`{ rollouts(application: "edge", first: 1) { edges { node { id state stages { name batches { clusters { cluster state since } } } } } } }`)).rollouts.edges[0]?.node;
  const valueOn = (cluster: string) => edgeReleaseOn(kubeSim, cluster);
  const startHubProcess = async () => {
    hub = spawnHubProcess(args, { CAPSTAN_ADMIN_TOKEN: adminToken, CAPSTAN_LOG_LEVEL: 'warn', ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) });
    url = (await hub.ready()).url;
  };

  beforeAll(async () => {
    database = await provisionTestDatabase(kind);
    const grpcPort = await freePort();
    args = ['--host', '127.0.0.1', '--port', '0', '--grpc-port', String(grpcPort), '--grpc-insecure', 'true', '--state-dir', stateDir];
    await startHubProcess();
    kubeSim = new KubeSimServer();
    await kubeSim.start();
    repository = await TestGitRepository.create();
    await repository.commit(edgeRelease('1'), 'edge 1');
    await graphql(`mutation { createClusterGroup(input: { name: "edge", selector: "ring" }) { name } }`);
    await graphql(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    for (const { name, ring } of clusters) {
      const agent = await startRegisteredAgent({ url, adminToken, grpcPort }, kubeSim, name, { ring }, { reconnectInitialMs: 100, reconnectMaxMs: 500 });
      agent.on('synced', () => applied.set(name, [...(applied.get(name) ?? []), valueOn(name) ?? '']));
      agents.push(agent);
    }
    await graphql(`mutation { createApplication(input: { name: "edge", source: "fleet", basePath: "apps/edge", targets: [{ group: "edge" }], rolloutStrategy: ${strategy} }) { name } }`);
    await eventually(latestRollout, (rollout) => rollout?.state === 'Succeeded', 60_000);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await hub?.stop();
    await kubeSim?.stop();
    repository?.remove();
    await database?.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('resumes where it was once started again: the bake in progress counts on, nothing is sent twice', async () => {
    const first = await latestRollout();
    await repository.commit(edgeRelease('2'), 'edge 2');
    await graphql(`mutation { syncSource(name: "fleet") { status } }`);
    const baking = await eventually(
      latestRollout,
      (rollout) => rollout !== undefined && rollout.id !== first?.id && rollout.stages[1].batches[0].clusters[0].state === 'Baking',
      30_000,
    );

    const bakingSeenAt = Date.now();

    // No shutdown: the process group is killed outright, mid-bake.
    process.kill(-(hub.child.pid ?? 0), 'SIGKILL');
    await hub.exited;
    await startHubProcess();
    const restartedAt = Date.now();

    const done = await eventually(latestRollout, (rollout) => rollout?.id === baking.id && rollout.state === 'Succeeded', 60_000);
    expect(done.stages.flatMap((stage) => stage.batches.flatMap((batch) => batch.clusters)).every((cluster) => cluster.state === 'Succeeded')).toBe(true);
    for (const { name } of clusters) await until(() => valueOn(name) === '2');

    // Each cluster applied the new revision once, and the bake stored before the kill went on rather than starting over.
    for (const { name } of clusters) expect(applied.get(name)?.filter((value) => value === '2')).toHaveLength(1);
    const edge1 = done.stages[1].batches[0].clusters[0];
    expect(edge1.cluster).toBe('edge-1');
    expect(Date.parse(edge1.since)).toBeLessThanOrEqual(Math.max(bakingSeenAt + 6_000, restartedAt) + 3_000);
  }, 120_000);
});
