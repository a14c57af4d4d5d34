import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '@capstan/agent-engine';
import { KubeSimServer } from '@capstan/kube-sim';
import { Client } from 'pg';
import { provisionTestDatabase, type ProvisionedDatabase } from '@capstan/persistence';
import { type Hub, startHub } from './hub';
import { edgeRelease, edgeReleaseOn } from './testing/edge-application';
import { TestGitRepository } from './testing/git-repository';
import { type GitHttpServer, startGitHttpServer } from './testing/git-http-server';
import { startRegisteredAgent } from './testing/test-agent';
import { graphqlData, postGraphql } from './testing/test-hub';
import { eventually, until } from './testing/wait';

// Replicas share one PostgreSQL; the embedded database serves one process only.
const describeOnPostgres = process.env['DATABASE_URL'] ? describe : describe.skip;

describeOnPostgres('two hub replicas on one PostgreSQL', () => {
  const adminToken = `capstan_${randomBytes(24).toString('base64url')}`;
  const stateDirs = [mkdtempSync(join(tmpdir(), 'capstan-replica-a-')), mkdtempSync(join(tmpdir(), 'capstan-replica-b-'))];
  let database: ProvisionedDatabase;
  let replicas: Hub[] = [];
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  let agent: Agent;
  const agents: Agent[] = [];
  let slowRemote: GitHttpServer | undefined;
  /** The commit of the revision in force, rendered through the first replica only. */
  let renderedCommit: string;

  const graphql = <T = Record<string, unknown>>(hub: Hub, query: string) => graphqlData<T>(hub.url, adminToken, query);
  const value = (cluster: string) => edgeReleaseOn(kubeSim, cluster);
  /** Whether a replica's git mirror of the source holds the commit. */
  const mirrorHas = async (replica: number, source: string, sha: string) => {
    const { source: found } = await graphql<{ source: { id: string } }>(replicas[0], `{ source(name: "${source}") { id } }`);
    const gitDir = join(stateDirs[replica], 'git', found.id, 'repo.git');
    if (!existsSync(gitDir)) return false;
    try {
      execFileSync('git', ['-C', gitDir, 'cat-file', '-e', `${sha}^{commit}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  /** A replica's fetches of a source, every outcome, from its Prometheus metrics. */
  const fetchesOf = async (hub: Hub, source: string) => {
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    const pattern = new RegExp(`^capstan_source_fetches_total\\{[^}]*source="${source}"[^}]*\\} (\\d+)$`, 'gm');
    return [...metrics.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
  };
  const answers = async (hub: Hub) => !(await postGraphql(hub.url, adminToken, `{ sources { edges { node { name } } } }`).then((response) => response.errors, () => true));
  const start = (stateDir: string) =>
    startHub({ host: '127.0.0.1', port: 0, grpcPort: 0, grpcInsecure: true, stateDir, dataDir: null, databaseUrl: database.databaseUrl, adminToken, logLevel: 'silent' });

  beforeAll(async () => {
    database = await provisionTestDatabase('postgres');
    const first = await start(stateDirs[0]);
    // Replicas sign bundles with one key and seal secrets with another, both mounted into each.
    for (const file of ['bundle-signing-key.pem', 'secret.key']) copyFileSync(join(stateDirs[0], file), join(stateDirs[1], file));
    replicas = [first, await start(stateDirs[1])];
    kubeSim = new KubeSimServer();
    await kubeSim.start();
    repository = await TestGitRepository.create();
  });
  afterAll(async () => {
    await Promise.all([agent, ...agents].filter(Boolean).map((started) => started.stop()));
    for (const replica of replicas) await replica.close();
    await kubeSim.stop();
    await slowRemote?.close();
    repository.remove();
    await database.dispose();
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('pushes a revision rendered on one replica to an agent connected to the other, at once', async () => {
    const [renderer, holder] = replicas;
    await repository.commit(edgeRelease('1'), 'edge');
    await graphql(renderer, `mutation { createClusterGroup(input: { name: "edge", selector: "tier=edge" }) { name } }`);
    // Registered through one replica, the agent's stream lives on the other.
    agent = await startRegisteredAgent({ url: renderer.url, adminToken, grpcPort: holder.grpcPort }, kubeSim, 'edge-1', { tier: 'edge' });

    await graphql(renderer, `mutation { createSource(input: { name: "fleet", url: "${repository.url}", pollIntervalSeconds: 3600 }) { name } }`);
    await graphql(renderer, `mutation { createApplication(input: { name: "edge", source: "fleet", basePath: "apps/edge", targets: [{ group: "edge" }] }) { name } }`);
    await until(() => value('edge-1') === '1');

    renderedCommit = await repository.commit(edgeRelease('2'), 'edge v2');
    await graphql(renderer, `mutation { syncSource(name: "fleet") { status } }`);
    await until(() => value('edge-1') === '2');
    const { cluster } = await graphql<{ cluster: { connected: boolean; applications: Array<{ syncState: string }> } }>(renderer, `{ cluster(name: "edge-1") { connected applications { syncState } } }`);
    expect(cluster).toEqual({ connected: true, applications: [{ syncState: 'Synced' }] });
  });

  it('carries an operator’s instruction to the replica holding the agent’s stream, whatever else was announced', async () => {
    const [renderer] = replicas;
    // Anyone who may use the database can NOTIFY: garbage is ignored, never fatal.
    const client = new Client({ connectionString: database.databaseUrl });
    await client.connect();
    for (const [channel, payload] of [
      ['capstan_desired_state', 'not json'],
      ['capstan_desired_state', '{"edge-1": true}'],
      ['capstan_agent_sessions', '{"cluster": 5}'],
      ['capstan_agent_sessions', '{"cluster": "edge-1", "message": "////"}'],
    ]) {
      await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    }
    await client.end();
    const paused = new Promise((resolve) => agent.once('paused', resolve));
    await graphql(renderer, `mutation { pauseCluster(name: "edge-1") { name } }`);
    await paused;
    const resumed = new Promise((resolve) => agent.once('resumed', resolve));
    await graphql(renderer, `mutation { resumeCluster(name: "edge-1") { name } }`);
    await resumed;
  });

  it('places the revision in force for a cluster registered through the replica whose mirror lacks its commit', async () => {
    const [, holder] = replicas;
    // The commit in force was fetched by the first replica's sync; the other never fetched it.
    expect(await mirrorHas(1, 'fleet', renderedCommit)).toBe(false);
    const before = await fetchesOf(holder, 'fleet');
    agents.push(await startRegisteredAgent({ url: holder.url, adminToken, grpcPort: holder.grpcPort }, kubeSim, 'edge-2', { tier: 'edge' }));
    expect(await eventually(() => value('edge-2'), (applied) => applied === '2')).toBe('2');
    expect(await mirrorHas(1, 'fleet', renderedCommit)).toBe(true);
    expect(await fetchesOf(holder, 'fleet')).toBe(before + 1);
  });

  it('polls on exactly one replica after the database ended every session, and both recover', async () => {
    const [first, second] = replicas;
    // A remote slow to answer: a replica polling beside the lock holder would fetch every due poll alongside it.
    slowRemote = await startGitHttpServer(repository.dir, 'oauth2', 'slow-token', { delayMs: 600 });
    await graphql(first, `mutation { createSource(input: { name: "slow", url: "${slowRemote.url}", authKind: httpsToken, authUsername: "oauth2", authSecret: "slow-token", pollIntervalSeconds: 5 }) { name } }`);
    await graphql(first, `mutation { updateSource(input: { name: "fleet", pollIntervalSeconds: 5 }) { name } }`);
    await until(async () => (await fetchesOf(first, 'slow')) + (await fetchesOf(second, 'slow')) > 0);

    // What a PostgreSQL restart looks like to this test's hubs, without restarting a server other tests use.
    const admin = new Client({ connectionString: process.env['DATABASE_URL'] });
    await admin.connect();
    const { rows } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [
      new URL(database.databaseUrl ?? '').pathname.slice(1),
    ]);
    await admin.end();
    // Pool, LISTEN and poller-lock connections: nothing a hub lived on survived (each hub's LISTEN and the lock at least).
    expect(rows.length).toBeGreaterThanOrEqual(3);

    // A hub that crashed on a lost connection would fail this spec: jest reports uncaught errors and unhandled rejections.
    await until(async () => (await answers(first)) && (await answers(second)));
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    // Polled by whichever replica holds the lock now, rendered, announced through LISTEN connections made again.
    const polled = await repository.commit(edgeRelease('3'), 'edge v3');
    await until(() => value('edge-1') === '3' && value('edge-2') === '3');
    type Fleet = { clusters: { edges: Array<{ node: { name: string; connected: boolean; applications: Array<{ revision: string | null; syncState: string }> } }> } };
    const fleet = async () => (await graphql<Fleet>(second, `{ clusters { edges { node { name connected applications { revision syncState } } } } }`)).clusters.edges.map(({ node }) => node);
    const converged = [
      { name: 'edge-1', connected: true, applications: [{ revision: polled, syncState: 'Synced' }] },
      { name: 'edge-2', connected: true, applications: [{ revision: polled, syncState: 'Synced' }] },
    ];
    expect(await eventually(fleet, (clusters) => JSON.stringify(clusters) === JSON.stringify(converged))).toEqual(converged);

    // Every poll is a fetch: over the next few, one replica's count grows and the other's stands still.
    const before = await Promise.all(replicas.map((replica) => fetchesOf(replica, 'slow')));
    let after = before;
    await until(async () => {
      after = await Promise.all(replicas.map((replica) => fetchesOf(replica, 'slow')));
      return after[0] + after[1] >= before[0] + before[1] + 3;
    }, 60_000);
    expect(after.filter((count, index) => count > before[index])).toHaveLength(1);
    const poller = after[0] > before[0] ? first : second;
    expect(await (await fetch(`${poller.url}/metrics`)).text()).toMatch(/^capstan_source_fetch_duration_seconds_count\{source="slow"\} [1-9]/m);
  }, 120_000);
});
