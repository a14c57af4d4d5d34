import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '@capstan/agent-engine';
import { KubeSimServer } from '@capstan/kube-sim';
import { provisionTestDatabase, type ProvisionedDatabase } from '@capstan/persistence';
import { type Hub, startHub } from './hub';
import { edgeRelease } from './testing/edge-application';
import { TestGitRepository } from './testing/git-repository';
import { startRegisteredAgent } from './testing/test-agent';
import { graphqlData } from './testing/test-hub';
import { subscribeGraphql } from './testing/test-subscription';
import { eventually } from './testing/wait';

// Replicas share one PostgreSQL; the embedded database serves one process only.
const describeOnPostgres = process.env['DATABASE_URL'] ? describe : describe.skip;

const clusters = [
  { name: 'edge-canary', ring: 'canary' },
  { name: 'edge-1', ring: 'main' },
  { name: 'edge-2', ring: 'main' },
  { name: 'edge-3', ring: 'main' },
];
const strategy = `{ stages: [{ name: "canary", selector: "ring=canary", minBakeTimeSeconds: 2 }, { name: "main", selector: "ring=main", maxConcurrency: "1", minBakeTimeSeconds: 1 }] }`;

describeOnPostgres('a rollout stepped by two hub replicas', () => {
  const adminToken = `capstan_${randomBytes(24).toString('base64url')}`;
  const stateDirs = [mkdtempSync(join(tmpdir(), 'capstan-rollout-a-')), mkdtempSync(join(tmpdir(), 'capstan-rollout-b-'))];
  let database: ProvisionedDatabase;
  const replicas: Hub[] = [];
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  const agents: Agent[] = [];
  const start = (stateDir: string) =>
    startHub({ host: '127.0.0.1', port: 0, grpcPort: 0, grpcInsecure: true, stateDir, dataDir: null, databaseUrl: database.databaseUrl, adminToken, logLevel: 'silent' });
  const graphql = <T = Record<string, unknown>>(hub: Hub, query: string, variables: Record<string, unknown> = {}) => graphqlData<T>(hub.url, adminToken, query, variables);

  beforeAll(async () => {
    database = await provisionTestDatabase('postgres');
    replicas.push(await start(stateDirs[0]));
    for (const file of ['bundle-signing-key.pem', 'secret.key']) copyFileSync(join(stateDirs[0], file), join(stateDirs[1], file));
    replicas.push(await start(stateDirs[1]));
    kubeSim = new KubeSimServer();
    await kubeSim.start();
    repository = await TestGitRepository.create();
    await repository.commit(edgeRelease('1'), 'edge 1');
  });
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    for (const replica of replicas) await replica.close();
    await kubeSim.stop();
    repository.remove();
    await database.dispose();
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('steps each batch once, whichever replica hears the reports', async () => {
    const [first, second] = replicas;
    await graphql(first, `mutation { createClusterGroup(input: { name: "edge", selector: "ring" }) { name } }`);
    // Agents spread over both replicas: each replica hears some of the reports.
    for (const [index, { name, ring }] of clusters.entries()) {
      agents.push(await startRegisteredAgent({ url: first.url, adminToken, grpcPort: replicas[index % 2].grpcPort }, kubeSim, name, { ring }));
    }
    await graphql(first, `mutation { createSource(input: { name: "fleet", url: "${repository.url}", pollIntervalSeconds: 3600 }) { name } }`);
    await graphql(first, `mutation { createApplication(input: { name: "edge", source: "fleet", basePath: "apps/edge", targets: [{ group: "edge" }], rolloutStrategy: ${strategy} }) { name } }`);
    type Rollouts = { rollouts: { edges: Array<{ node: { id: string; state: string; revision: string; progress: { succeeded: number; baking: number } } }> } };
    const latest = async () => (await graphql<Rollouts>(second, `{ rollouts(application: "edge", first: 1) { edges { node { id state revision progress { succeeded baking } } } } }`)).rollouts.edges[0]?.node;
    await eventually(latest, (rollout) => rollout?.state === 'Succeeded', 60_000);

    // Followed on the first replica, whichever replica the reports reach.
    const statuses = subscribeGraphql<{ clusterStatusChanged: { cluster: string; revision: string | null } }>(first.url, adminToken, `subscription { clusterStatusChanged(application: "edge") { cluster revision } }`);
    const rollouts = subscribeGraphql<{ rolloutChanged: { id: string; state: string } }>(first.url, adminToken, `subscription { rolloutChanged(application: "edge") { id state } }`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const commit = await repository.commit(edgeRelease('2'), 'edge 2');
    await graphql(second, `mutation { syncSource(name: "fleet") { status } }`);
    const midway = await eventually(latest, (rollout) => rollout?.state === 'Progressing', 60_000);
    const done = await eventually(latest, (rollout) => rollout?.id === midway.id && rollout.state === 'Succeeded', 60_000);
    expect(done.progress.succeeded).toBe(4);
    await rollouts.until((result) => result.data?.rolloutChanged.id === done.id && result.data.rolloutChanged.state === 'Succeeded');
    for (const { name } of clusters) await statuses.until((result) => result.data?.clusterStatusChanged.cluster === name && result.data.clusterStatusChanged.revision === commit);
    await Promise.all([statuses.close(), rollouts.close()]);

    type Events = { events: { edges: Array<{ node: { type: string; cluster: string | null; subject: string; details: { revision?: string } } }> } };
    const events = (await graphql<Events>(replicas[0], `query($rollout: ID) { events(rollout: $rollout, first: 100) { edges { node { type cluster subject details } } } }`, { rollout: done.id })).events.edges.map((edge) => edge.node);
    const count = (type: string, key: (event: (typeof events)[number]) => string | null) => {
      const seen = new Map<string, number>();
      for (const event of events.filter((candidate) => candidate.type === type)) seen.set(key(event) ?? '', (seen.get(key(event) ?? '') ?? 0) + 1);
      return Object.fromEntries(seen);
    };
    // Never stepped twice: one success per cluster, one completion per stage, one start.
    expect(count('rollout.cluster.succeeded', (event) => event.cluster)).toEqual({ 'edge-canary': 1, 'edge-1': 1, 'edge-2': 1, 'edge-3': 1 });
    expect(count('rollout.stage.completed', (event) => event.subject)).toEqual({ canary: 1, main: 1 });
    expect(count('rollout.started', () => 'once')).toEqual({ once: 1 });
    // Each cluster's desired state was set to the revision once.
    const desired = (await graphql<Events>(replicas[0], `{ events(application: "edge", type: "desired.changed", first: 100) { edges { node { type cluster subject details } } } }`)).events.edges
      .map((edge) => edge.node)
      .filter((event) => event.details.revision === done.revision);
    expect(desired.map((event) => event.cluster).sort()).toEqual(['edge-1', 'edge-2', 'edge-3', 'edge-canary']);
  }, 180_000);
});
