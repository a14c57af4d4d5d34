import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '@capstan/agent-engine';
import { KubeSimServer } from '@capstan/kube-sim';
import { Client } from 'pg';
import { provisionTestDatabase, type ProvisionedDatabase } from '@capstan/persistence';
import { type Hub, startHub } from './hub';
import { TestGitRepository } from './testing/git-repository';
import { startRegisteredAgent } from './testing/test-agent';
import { graphqlData } from './testing/test-hub';
import { until } from './testing/wait';

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

  const graphql = <T = Record<string, unknown>>(hub: Hub, query: string) => graphqlData<T>(hub.url, adminToken, query);
  const start = (stateDir: string) =>
    startHub({ host: '127.0.0.1', port: 0, grpcPort: 0, grpcInsecure: true, stateDir, dataDir: null, databaseUrl: database.databaseUrl, adminToken, logLevel: 'silent' });

  beforeAll(async () => {
    database = await provisionTestDatabase('postgres');
    const first = await start(stateDirs[0]);
    // Replicas sign bundles with one key, mounted into each.
    copyFileSync(join(stateDirs[0], 'bundle-signing-key.pem'), join(stateDirs[1], 'bundle-signing-key.pem'));
    replicas = [first, await start(stateDirs[1])];
    kubeSim = new KubeSimServer();
    await kubeSim.start();
    repository = await TestGitRepository.create();
  });
  afterAll(async () => {
    await agent?.stop();
    for (const replica of replicas) await replica.close();
    await kubeSim.stop();
    repository.remove();
    await database.dispose();
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('pushes a revision rendered on one replica to an agent connected to the other, at once', async () => {
    const [renderer, holder] = replicas;
    const settings = (value: string) => ({
      'apps/edge/kustomization.yaml': 'resources:\n  - settings.yaml\n',
      'apps/edge/settings.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: edge\n  namespace: default\ndata:\n  value: "${value}"\n`,
    });
    await repository.commit(settings('1'), 'edge');
    await graphql(renderer, `mutation { createClusterGroup(input: { name: "edge", selector: "tier=edge" }) { name } }`);
    // Registered through one replica, the agent's stream lives on the other.
    agent = await startRegisteredAgent({ url: renderer.url, adminToken, grpcPort: holder.grpcPort }, kubeSim, 'edge-1', { tier: 'edge' });
    const value = () => (kubeSim.cluster('edge-1').findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'edge', namespace: 'default' })?.['data'] as Record<string, string> | undefined)?.['value'];

    await graphql(renderer, `mutation { createSource(input: { name: "fleet", url: "${repository.url}", pollIntervalSeconds: 3600 }) { name } }`);
    await graphql(renderer, `mutation { createApplication(input: { name: "edge", source: "fleet", basePath: "apps/edge", targets: [{ group: "edge" }] }) { name } }`);
    await until(() => value() === '1');

    await repository.commit(settings('2'), 'edge v2');
    await graphql(renderer, `mutation { syncSource(name: "fleet") { status } }`);
    await until(() => value() === '2');
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
});
