import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentOptions } from '@capstan/agent-engine';
import { buildKubeconfig, type KubeSimServer } from '@capstan/kube-sim';
import { testDatabaseKinds } from '@capstan/persistence';
import { generateKeyPairSync } from 'node:crypto';
import type { TestGitRepository } from './testing/git-repository';
import { startTestFleet, type TestFleet } from './testing/test-fleet';
import type { TestHub } from './testing/test-hub';
import { until } from './testing/wait';

const manifests = {
  'apps/shop/kustomization.yaml': 'namespace: shop\nresources:\n  - namespace.yaml\n  - settings.yaml\n  - legacy.yaml\n',
  'apps/shop/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
  'apps/shop/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  cluster: ${cluster.name}\n  mode: fast\n',
  'apps/shop/legacy.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\ndata:\n  old: "true"\n',
};


describe.each(testDatabaseKinds())('a fleet converging on git, on %s', (kind) => {
  let fleet: TestFleet;
  let hub: TestHub;
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  const agents = () => fleet.agents;

  const ok = <T>(query: string, variables: Record<string, unknown> = {}) => hub.data<T>(query, variables);
  const startAgent = (cluster: string, labels: Record<string, string>, options: Partial<AgentOptions> = {}) => fleet.startAgent(cluster, labels, options);
  const configMap = (cluster: string, name: string) => kubeSim.cluster(cluster).findObject({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace: 'shop' });

  beforeAll(async () => {
    fleet = await startTestFleet(kind, manifests);
    ({ hub, kubeSim, repository } = fleet);
    await ok(`mutation { createClusterGroup(input: { name: "prod", selector: "env=prod" }) { name } }`);
    await ok(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await ok(`mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop", prune: true, targets: [{ group: "prod" }] }) { name } }`);
  });
  afterAll(() => fleet.close());

  it('brings a registered cluster to what git says and reports the ChangeSet', async () => {
    await startAgent('eu-1', { env: 'prod' });
    await until(() => configMap('eu-1', 'settings') !== undefined);
    expect(configMap('eu-1', 'settings')).toMatchObject({ data: { cluster: 'eu-1', mode: 'fast' } });
    await until(async () => (await ok<{ cluster: { applications: unknown[] } }>(`{ cluster(name: "eu-1") { applications { application } } }`)).cluster.applications.length > 0);
    const { cluster } = await ok<{ cluster: { applications: Array<{ application: string; syncState: string; health: string; changeSet: Array<{ subject: string; action: string }> }> } }>(
      `{ cluster(name: "eu-1") { applications { application syncState health changeSet { subject action } } } }`,
    );
    expect(cluster.applications[0]).toMatchObject({ application: 'shop', syncState: 'Synced', health: 'Healthy' });
    expect(await ok(`{ cluster(name: "eu-1") { connected } }`)).toEqual({ cluster: { connected: true } });
    expect(cluster.applications[0].changeSet).toEqual(
      expect.arrayContaining([
        { subject: 'Namespace/shop', action: 'created' },
        { subject: 'ConfigMap/shop/settings', action: 'created' },
        { subject: 'ConfigMap/shop/legacy', action: 'created' },
      ]),
    );
  });

  it('pushes a new commit to the connected agent at once, pruning what left git but never what Capstan did not create', async () => {
    kubeSim.cluster('eu-1').createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hand-made', namespace: 'shop' }, data: {} }, { fieldManager: 'kubectl-create' });
    const sha = await repository.commit(
      { 'apps/shop/legacy.yaml': null, 'apps/shop/kustomization.yaml': 'namespace: shop\nresources:\n  - namespace.yaml\n  - settings.yaml\n', 'apps/shop/settings.yaml': manifests['apps/shop/settings.yaml'].replace('fast', 'slow') },
      'Drop legacy, go slow',
    );
    expect((await ok<{ syncSource: { status: string; commitSha: string } }>(`mutation { syncSource(name: "fleet") { status commitSha } }`)).syncSource).toEqual({ status: 'synced', commitSha: sha });
    await until(() => configMap('eu-1', 'settings')?.['data'] !== undefined && (configMap('eu-1', 'settings')?.['data'] as Record<string, string>)['mode'] === 'slow');
    await until(() => configMap('eu-1', 'legacy') === undefined);
    expect(configMap('eu-1', 'hand-made')).toBeDefined();
  });

  describe('when someone changes a managed object behind git’s back', () => {
    const settingsRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'shop' };
    const mode = () => (configMap('eu-1', 'settings')?.['data'] as Record<string, string> | undefined)?.['mode'];
    type DriftView = { application: string; subject: string; status: string; fields: Array<{ path: string; desired: string; live: string; changedBy: string }> };
    const drifts = async () => (await ok<{ cluster: { drift: DriftView[] } }>(`{ cluster(name: "eu-1") { drift { application subject status fields { path desired live changedBy } } } }`)).cluster.drift;
    const setHealPolicy = (policy: string) => ok(`mutation { updateApplication(input: { name: "shop", healPolicy: ${policy} }) { name } }`);

    it('heals at once under the auto policy', async () => {
      const healed = once(agents()[0], 'healed');
      kubeSim.cluster('eu-1').editObject(settingsRef, { data: { mode: 'hacked' } });
      await healed;
      await until(() => mode() === 'slow');
      type EventView = { type: string; subject: string; occurredAt: string; details: { fields?: DriftView['fields']; how?: string } };
      const events = async (filter: string) => (await ok<{ events: { edges: Array<{ node: EventView }> } }>(`{ events(${filter}) { edges { node { type subject occurredAt details } } } }`)).events.edges.map((edge) => edge.node);
      // The only drift so far: git's own changes (a new revision, a prune) are never drift.
      expect((await events('cluster: "eu-1", type: "drift.detected"')).map((event) => event.details.fields)).toEqual([[{ path: 'data.mode', desired: '"slow"', live: '"hacked"', changedBy: 'kubectl-edit' }]]);
      await until(async () => (await drifts()).length === 0);
      const [cycle] = (await ok<{ cluster: { driftHistory: Array<{ id: string; status: string; resolution: string; restoredBy: string; detectedAt: string; instructedAt: string; resolvedAt: string; healedAt: string; timeToHealMs: number }> } }>(
        `{ cluster(name: "eu-1") { driftHistory(first: 1) { id status resolution restoredBy detectedAt instructedAt resolvedAt healedAt timeToHealMs } } }`,
      )).cluster.driftHistory;
      expect(cycle).toMatchObject({ status: 'resolved', resolution: 'healed', restoredBy: 'capstan', healedAt: cycle.resolvedAt });
      expect(Date.parse(cycle.detectedAt)).toBeLessThanOrEqual(Date.parse(cycle.instructedAt));
      expect(Date.parse(cycle.instructedAt)).toBeLessThanOrEqual(Date.parse(cycle.healedAt));
      expect(cycle.timeToHealMs).toBe(Date.parse(cycle.healedAt) - Date.parse(cycle.detectedAt));
      // The cycle, step by step: the heal's result and the object matching git again may reach the hub in either order.
      const steps = await events(`drift: "${cycle.id}"`);
      expect(steps.slice(2).map((event) => [event.type, event.subject, event.occurredAt])).toEqual([
        ['heal.instructed', 'ConfigMap/shop/settings', cycle.instructedAt],
        ['drift.detected', 'ConfigMap/shop/settings', cycle.detectedAt],
      ]);
      expect(steps.slice(0, 2).map((event) => event.type).sort()).toEqual(['drift.resolved', 'heal.succeeded']);
      expect(steps.find((event) => event.type === 'drift.resolved')?.occurredAt).toBe(cycle.resolvedAt);
      expect(steps[2].details.how).toBe('auto');
    });

    it('recreates a deleted object under the auto policy', async () => {
      kubeSim.cluster('eu-1').deleteObject(settingsRef);
      await until(() => mode() === 'slow');
    });

    it('holds drift under the approve policy until someone approves the heal', async () => {
      await setHealPolicy('approve');
      kubeSim.cluster('eu-1').editObject(settingsRef, { data: { mode: 'manual-fix' } });
      await until(async () => (await drifts()).some((drift) => drift.status === 'held'));
      expect(await drifts()).toEqual([
        { application: 'shop', subject: 'ConfigMap/shop/settings', status: 'held', fields: [{ path: 'data.mode', desired: '"slow"', live: '"manual-fix"', changedBy: 'kubectl-edit' }] },
      ]);
      expect(mode()).toBe('manual-fix');
      expect(await ok(`mutation { approveHeal(cluster: "eu-1", application: "shop", reason: "revert the manual fix") }`)).toEqual({ approveHeal: 1 });
      await until(() => mode() === 'slow');
      await until(async () => (await drifts()).length === 0);
    });

    it('leaves alone a field an ignore rule gives to another controller', async () => {
      await ok(`mutation { updateApplication(input: { name: "shop", healPolicy: auto, ignoreRules: [{ jsonPointer: "/data/mode", kind: "ConfigMap" }] }) { name } }`);
      await until(async () => {
        const state = (await ok<{ application: { ignoreRules: unknown[] } }>(`{ application(name: "shop") { ignoreRules { jsonPointer } } }`)).application;
        return state.ignoreRules.length === 1;
      });
      // Give the pushed desired state a moment to arrive, then change an ignored and a watched field.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const healed = once(agents()[0], 'healed');
      kubeSim.cluster('eu-1').editObject(settingsRef, { data: { mode: 'autoscaled', cluster: 'renamed' } });
      await healed;
      await until(() => (configMap('eu-1', 'settings')?.['data'] as Record<string, string>)['cluster'] === 'eu-1');
      expect(mode()).toBe('autoscaled');
      const [last] = (await ok<{ cluster: { driftHistory: Array<{ fields: Array<{ path: string }> }> } }>(`{ cluster(name: "eu-1") { driftHistory(first: 1) { fields { path } } } }`)).cluster.driftHistory;
      expect(last.fields.map((field) => field.path)).toEqual(['data.cluster']);
      await ok(`mutation { updateApplication(input: { name: "shop", ignoreRules: [] }) { name } }`);
      kubeSim.cluster('eu-1').editObject(settingsRef, { data: { mode: 'slow' } });
    });

    type DriftRecord = { status: string; resolution: string | null; restoredBy: string | null; fields: Array<{ live: string }> };
    const lastDrift = async () => (await ok<{ cluster: { driftHistory: DriftRecord[] } }>(`{ cluster(name: "eu-1") { driftHistory(first: 1) { status resolution restoredBy fields { live } } } }`)).cluster.driftHistory[0];
    const shopStatus = async () =>
      (await ok<{ cluster: { applications: Array<{ syncState: string; resources: Array<{ name: string; syncState: string }> }> } }>(`{ cluster(name: "eu-1") { applications { syncState resources { name syncState } } } }`)).cluster
        .applications[0];
    /** Changes the settings behind git's back, under the alert policy, and waits until the hub has recorded it. */
    const alertedDrift = async (value: string) => {
      await setHealPolicy('alert');
      kubeSim.cluster('eu-1').editObject(settingsRef, { data: { mode: value } });
      await until(async () => (await drifts()).some((drift) => drift.status === 'alerted' && drift.fields.some((field) => field.live === JSON.stringify(value))));
    };

    it('only reports drift under the alert policy, and says the application is out of sync while it lasts', async () => {
      await alertedDrift('left-alone');
      expect(mode()).toBe('left-alone');
      await until(async () => (await shopStatus())?.syncState === 'OutOfSync');
      expect((await shopStatus()).resources.find((resource) => resource.name === 'settings')?.syncState).toBe('OutOfSync');
    });

    it('closes an alerted drift as reverted when someone puts the field back by hand', async () => {
      kubeSim.cluster('eu-1').editObject(settingsRef, { data: { mode: 'slow' } });
      await until(async () => (await drifts()).length === 0);
      expect(await lastDrift()).toMatchObject({ status: 'resolved', resolution: 'reverted', restoredBy: 'kubectl-edit' });
      await until(async () => (await shopStatus())?.syncState === 'Synced');
    });

    it('heals the open drift once the heal policy goes back to auto', async () => {
      await alertedDrift('before-auto');
      await setHealPolicy('auto');
      await until(() => mode() === 'slow');
      await until(async () => (await drifts()).length === 0);
      expect(await lastDrift()).toMatchObject({ status: 'resolved', resolution: 'healed', restoredBy: 'capstan' });
    });

    it('holds alerted drift for approval once the policy becomes approve, and heals it when approved', async () => {
      await alertedDrift('awaiting-approval');
      await setHealPolicy('approve');
      await until(async () => (await drifts()).some((drift) => drift.status === 'held'));
      expect(await ok(`mutation { approveHeal(cluster: "eu-1", application: "shop", reason: "back to git") }`)).toEqual({ approveHeal: 1 });
      await until(() => mode() === 'slow');
      await until(async () => (await drifts()).length === 0);
      expect(await lastDrift()).toMatchObject({ resolution: 'healed' });
    });

    it('heals alerted drift when someone approves it', async () => {
      await alertedDrift('approve-me');
      expect(await ok(`mutation { approveHeal(cluster: "eu-1", application: "shop") }`)).toEqual({ approveHeal: 1 });
      await until(() => mode() === 'slow');
      await until(async () => (await drifts()).length === 0);
    });

    it('closes alerted drift as healed when a sync puts the field back, and a later drift is a record of its own', async () => {
      await alertedDrift('before-sync');
      expect(await ok(`mutation { sync(cluster: "eu-1", application: "shop") }`)).toEqual({ sync: true });
      await until(() => mode() === 'slow');
      await until(async () => (await drifts()).length === 0);
      expect(await lastDrift()).toMatchObject({ resolution: 'healed', restoredBy: 'capstan' });
      await alertedDrift('after-sync');
      expect(await drifts()).toEqual([expect.objectContaining({ status: 'alerted', fields: [expect.objectContaining({ live: '"after-sync"' })] })]);
      expect(await ok(`mutation { approveHeal(cluster: "eu-1", application: "shop") }`)).toEqual({ approveHeal: 1 });
      await until(async () => (await drifts()).length === 0);
    });

    it('heals nothing on a paused cluster, and heals what drifted meanwhile once it is resumed', async () => {
      await setHealPolicy('auto');
      const paused = once(agents()[0], 'paused');
      expect(await ok(`mutation { pauseCluster(name: "eu-1", reason: "incident") { paused } }`)).toEqual({ pauseCluster: { paused: true } });
      await paused;
      kubeSim.cluster('eu-1').editObject(settingsRef, { data: { mode: 'during-incident' } });
      await until(async () => (await drifts()).some((drift) => drift.status === 'alerted' && drift.fields.some((field) => field.live === '"during-incident"')));
      expect(mode()).toBe('during-incident');

      await ok(`mutation { resumeCluster(name: "eu-1") { paused } }`);
      await until(() => mode() === 'slow');
      await until(async () => (await drifts()).length === 0);
      expect(await lastDrift()).toMatchObject({ resolution: 'healed' });
    });

    it('closes drift as superseded when a new revision is applied over it', async () => {
      await alertedDrift('overtaken');
      await repository.commit({ 'apps/shop/settings.yaml': manifests['apps/shop/settings.yaml'].replace('fast', 'steady') }, 'Go steady');
      await ok(`mutation { syncSource(name: "fleet") { status } }`);
      await until(() => mode() === 'steady');
      await until(async () => (await drifts()).length === 0);
      expect(await lastDrift()).toMatchObject({ resolution: 'superseded' });
      await setHealPolicy('auto');
    });
  });

  it('runs as `npx capstan agent`, keeping the credential it registered with', async () => {
    kubeSim.addCluster('eu-3');
    const dir = mkdtempSync(join(tmpdir(), 'capstan-agent-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, buildKubeconfig([{ name: 'eu-3', server: kubeSim.clusterUrl('eu-3') }]));
    const { createClusterRegistration: registration } = await ok<{ createClusterRegistration: { token: string; hubPublicKey: string } }>(
      `mutation { createClusterRegistration(input: { name: "eu-3", labels: { env: "prod" } }) { token hubPublicKey } }`,
    );
    writeFileSync(join(dir, 'hub.pub'), registration.hubPublicKey);
    const repositoryRoot = join(__dirname, '../../..');
    const child = spawn(
      process.execPath,
      [join(repositoryRoot, 'apps/cli/bin/capstan.js'), 'agent', '--hub', `127.0.0.1:${hub.hub.grpcPort}`, '--insecure', '--token', registration.token, '--hub-public-key', join(dir, 'hub.pub'), '--kubeconfig', kubeconfig, '--credential-file', join(dir, 'credential')],
      { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      // No commit needed: the registration placed the new cluster in the group, and so under the application.
      await until(() => output.includes('agent connected'));
      await until(() => /shop: .*ConfigMap\/shop\/settings created/.test(output));
      expect(configMap('eu-3', 'settings')).toMatchObject({ data: { cluster: 'eu-3' } });
      expect(readFileSync(join(dir, 'credential'), 'utf8')).toMatch(/^capstan_\S+\n$/);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bundle whose signature does not verify and applies nothing', async () => {
    const wrongKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const agent = await startAgent('eu-2', { env: 'prod' }, { hubPublicKey: wrongKey });
    const refused = once(agent, 'refused');
    const [application, reason] = (await refused) as [string, string];
    expect(application).toBe('shop');
    expect(reason).toMatch(/does not verify with the hub's public key/);
    expect(kubeSim.cluster('eu-2').findObject({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' })).toBeUndefined();
  });


  it('finds and heals a change whose watch event was lost, by reading every object back periodically', async () => {
    const agent = await startAgent('eu-4', { env: 'prod' }, { checksumIntervalMs: 300 });
    await until(() => configMap('eu-4', 'settings') !== undefined);
    const mode = () => (configMap('eu-4', 'settings')?.['data'] as Record<string, string>)['mode'];
    const gitMode = mode();
    const verified: Array<Array<{ application: string; liveDigest: string }>> = [];
    agent.on('verified', (applications: Array<{ application: string; liveDigest: string }>) => verified.push(applications));
    kubeSim.cluster('eu-4').store.withoutEvents(() => kubeSim.cluster('eu-4').editObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'shop' }, { data: { mode: 'by hand' } }));
    await until(() => mode() === gitMode);
    const { cluster } = await ok<{ cluster: { desiredState: Array<{ application: string; bundleDigest: string; cause: string }> } }>(`{ cluster(name: "eu-4") { desiredState { application bundleDigest cause } } }`);
    // It joined after the revision was rendered: placement set what it runs.
    expect(cluster.desiredState).toEqual([{ application: 'shop', bundleDigest: expect.stringMatching(/^sha256:/), cause: 'placement' }]);
    const wanted = cluster.desiredState[0].bundleDigest;
    // The read-back that saw it told the hub a live digest other than the bundle's (the heal it started may overtake its event).
    await until(() => verified.flat().some((entry) => entry.application === 'shop' && entry.liveDigest !== wanted));
    await until(() => verified.at(-1)?.[0]?.liveDigest === wanted);
    const { events } = await ok<{ events: { edges: Array<{ node: { application: string; details: Record<string, unknown> } }> } }>(
      `{ events(cluster: "eu-4", type: "checksum.mismatched") { edges { node { application details } } } }`,
    );
    expect(events.edges[0].node).toEqual({ application: 'shop', details: { wanted, live: expect.stringMatching(/^sha256:/), resynced: true } });
  });

  it('takes the application off a cluster that leaves the group, and brings it back when the cluster rejoins', async () => {
    const agent = agents()[0];
    const statuses = async () => (await ok<{ cluster: { applications: Array<{ application: string }> } }>(`{ cluster(name: "eu-1") { applications { application } } }`)).cluster.applications;
    const retired = once(agent, 'retired');
    await ok(`mutation { updateClusterLabels(input: { name: "eu-1", labels: { env: "dev" } }) { name } }`);
    const [application, changeSet] = (await retired) as [string, { entries: Array<{ subject: string; action: string }> }];
    expect(application).toBe('shop');
    expect(changeSet.entries).toEqual(expect.arrayContaining([expect.objectContaining({ subject: 'ConfigMap/shop/settings', action: 'deleted' })]));
    expect(configMap('eu-1', 'settings')).toBeUndefined();
    // Prune deletes only what Capstan applied.
    expect(configMap('eu-1', 'hand-made')).toBeDefined();
    expect(await statuses()).toEqual([]);
    const { auditLog } = await ok<{ auditLog: { edges: Array<{ node: { action: string; summary: Record<string, unknown> } }> } }>(
      `{ auditLog(first: 5, action: "revision.place") { edges { node { action summary } } } }`,
    );
    expect(auditLog.edges[0].node.summary).toMatchObject({ left: ['eu-1'], joined: [] });

    await ok(`mutation { updateClusterLabels(input: { name: "eu-1", labels: { env: "prod" } }) { name } }`);
    await until(() => configMap('eu-1', 'settings') !== undefined);
    await until(async () => (await statuses()).length === 1);
  });
});
