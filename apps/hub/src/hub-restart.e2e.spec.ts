import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '@capstan/agent-engine';
import type { ChangeSet } from '@capstan/vocabulary';
import { KubeSimServer } from '@capstan/kube-sim';
import { openDatabase } from '@capstan/persistence';
import { type Hub, startHub } from './hub';
import { freePort } from './testing/free-port';
import { TestGitRepository } from './testing/git-repository';
import { startRegisteredAgent } from './testing/test-agent';
import { graphqlData } from './testing/test-hub';
import { until } from './testing/wait';

describe('a hub restarted under connected agents', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'capstan-restart-'));
  const adminToken = `capstan_${randomBytes(24).toString('base64url')}`;
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  let agent: Agent;
  let hub: Hub;

  const graphql = <T = Record<string, unknown>>(query: string) => graphqlData<T>(hub.url, adminToken, query);

  afterAll(async () => {
    await agent?.stop();
    await hub?.close();
    await kubeSim.stop();
    repository.remove();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('sees its agents reconnect and apply nothing twice, with status kept', async () => {
    const grpcPort = await freePort();
    const config = { host: '127.0.0.1', port: 0, grpcPort, grpcInsecure: true, stateDir, dataDir: join(stateDir, 'data'), adminToken, logLevel: 'silent' as const };
    hub = await startHub(config);
    kubeSim = new KubeSimServer();
    await kubeSim.start();
    repository = await TestGitRepository.create();
    await repository.commit(
      { 'apps/core/kustomization.yaml': 'resources:\n  - settings.yaml\n', 'apps/core/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: core\n  namespace: default\ndata:\n  a: "1"\n' },
      'core',
    );
    await graphql(`mutation { createClusterGroup(input: { name: "core", selector: "tier=core" }) { name } }`);
    agent = await startRegisteredAgent({ url: hub.url, adminToken, grpcPort }, kubeSim, 'core-1', { tier: 'core' }, { reconnectMaxMs: 300 });
    const applies: ChangeSet[] = [];
    agent.on('synced', (_application: string, changeSet: ChangeSet) => applies.push(changeSet));
    await graphql(`mutation { createSource(input: { name: "fleet", url: "${repository.url}", pollIntervalSeconds: 3600 }) { name } }`);
    await graphql(`mutation { createApplication(input: { name: "core", source: "fleet", basePath: "apps/core", targets: [{ group: "core" }] }) { name } }`);
    await until(() => applies.length === 1);

    await hub.close();
    hub = await startHub(config);
    const status = async () => (await graphql<{ cluster: { connected: boolean; applications: unknown[] } }>(`{ cluster(name: "core-1") { connected applications { application syncState } } }`)).cluster;
    // The agent reconnects and says Hello; the hub answers with the same desired state, which changes nothing.
    await until(async () => (await status()).connected);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(applies).toHaveLength(1);
    expect(await status()).toEqual({ connected: true, applications: [{ application: 'core', syncState: 'Synced' }] });

    // And the restarted hub still reaches it at once with a new revision.
    await repository.commit({ 'apps/core/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: core\n  namespace: default\ndata:\n  a: "2"\n' }, 'core v2');
    await graphql(`mutation { syncSource(name: "fleet") { status } }`);
    await until(() => (kubeSim.cluster('core-1').findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'core', namespace: 'default' })?.['data'] as Record<string, string>)['a'] === '2');
    // The agent tells of its apply once the whole bundle is applied, a moment after the object changed.
    await until(() => applies.length >= 2);
    expect(applies).toHaveLength(2);
  });

  it('hears, once back, of the drift its agent healed on its own while the hub was down', async () => {
    const reference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'core', namespace: 'default' };
    const config = { host: '127.0.0.1', port: 0, grpcPort: hub.grpcPort, grpcInsecure: true, stateDir, dataDir: join(stateDir, 'data'), adminToken, logLevel: 'silent' as const };
    await hub.close();
    const healed = new Promise((resolve) => agent.once('healed', resolve));
    kubeSim.cluster('core-1').editObject(reference, { data: { a: 'by hand' } }, { fieldManager: 'kubectl-edit' });
    await healed;
    expect((kubeSim.cluster('core-1').findObject(reference)?.['data'] as Record<string, string>)['a']).toBe('2');

    hub = await startHub(config);
    type DriftRecord = { subject: string; status: string; instructedAt: string | null; healedAt: string | null; fields: Array<{ path: string; changedBy: string }> };
    const history = async () => (await graphql<{ cluster: { driftHistory: DriftRecord[] } }>(`{ cluster(name: "core-1") { driftHistory { subject status instructedAt healedAt fields { path changedBy } } } }`)).cluster.driftHistory;
    await until(async () => (await history()).length > 0);
    expect(await history()).toEqual([
      { subject: 'ConfigMap/default/core', status: 'resolved', instructedAt: null, healedAt: expect.any(String), fields: [{ path: 'data.a', changedBy: 'kubectl-edit' }] },
    ]);
    const { events } = await graphql<{ events: { edges: Array<{ node: { type: string; details: Record<string, unknown> } }> } }>(`{ events(cluster: "core-1") { edges { node { type details } } } }`);
    // The drift's story; what the cluster should run (desired.changed) is told apart.
    expect(events.edges.filter((edge) => edge.node.type !== 'desired.changed').map((edge) => [edge.node.type, edge.node.details['locally'] ?? null])).toEqual([
      ['heal.succeeded', true],
      ['drift.detected', null],
    ]);
  });

  it('sends again, once restarted, a heal it instructed and never heard back about', async () => {
    const config = { host: '127.0.0.1', port: 0, grpcPort: hub.grpcPort, grpcInsecure: true, stateDir, dataDir: join(stateDir, 'data'), adminToken, logLevel: 'silent' as const };
    await hub.close();
    // The hub went down right after instructing a heal: the drift is recorded as being healed, and the instruction was lost with the process.
    const database = await openDatabase({ dataDir: config.dataDir, migrate: false });
    const [{ id }] = await database.dataSource.query(
      `INSERT INTO drifts (cluster_id, application_id, subject, object_ref, status, detected_at, instructed_at)
       SELECT cluster.id, application.id, 'ConfigMap/default/core', '{"group":"","version":"v1","kind":"ConfigMap","namespace":"default","name":"core"}', 'healing', now(), now()
       FROM clusters AS cluster, applications AS application WHERE cluster.name = 'core-1' AND application.name = 'core' RETURNING id`,
    );
    await database.close();
    const healed = new Promise((resolve) => agent.once('healed', resolve));

    hub = await startHub(config);
    await healed;
    const drift = async () => (await graphql<{ cluster: { driftHistory: Array<{ id: string; status: string }> } }>(`{ cluster(name: "core-1") { driftHistory { id status } } }`)).cluster.driftHistory.find((entry) => entry.id === id);
    await until(async () => (await drift())?.status === 'resolved');
    const { events } = await graphql<{ events: { edges: Array<{ node: { type: string } }> } }>(`{ events(drift: "${id}") { edges { node { type } } } }`);
    // The heal's result and the object matching git again may reach the hub in either order.
    expect(events.edges.map((edge) => edge.node.type).sort()).toEqual(['drift.resolved', 'heal.succeeded']);
  });
});
