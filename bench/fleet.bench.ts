/**
 * A fleet on one machine, end to end: one hub process (apps/hub/bin/hub.js, PGlite, or PostgreSQL
 * when DATABASE_URL is set), the simulated clusters in a second process and the agents in a third.
 * Figures:
 * - commit → every agent Synced: a commit to a real git repository, syncSource, until each of
 *   FLEET_BENCH_AGENTS agents (1,000) has applied the new revision of a 20-object application,
 *   and until the hub shows every cluster Synced on it;
 * - drift → healed at FLEET_BENCH_DRIFT_CLUSTERS clusters (100): another field manager edits a
 *   managed object through the API server, timed until the object is back as git says (p50, p99);
 * - the hub's memory per idle agent: FLEET_BENCH_IDLE_AGENTS (10,000) agents connected with
 *   heartbeats only, on a hub of their own;
 * - one real agent process (the bundled agent) managing a FLEET_BENCH_AGENT_OBJECTS-object (500) application;
 * - status rows per second through the hub's batched status writer into the same kind of database.
 * Last stdout line: one JSON object.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKubeconfig } from '@capstan/kube-sim';
import { openEphemeralDatabase } from '@capstan/persistence';
import { type ApplicationStatusRow, StatusWriter } from '../apps/hub/src/agent-gateway/status-writer';
import { TestGitRepository } from '../apps/hub/src/testing/git-repository';
import { AgentsProcess, cpuSecondsOf, databaseKind, HubProcess, hubAddress, KubeSimProcess, log, median, memoryOf, percentile, root, sleep, until } from './fleet/processes';

const sizes = {
  agents: Number(process.env.FLEET_BENCH_AGENTS ?? 1_000),
  driftClusters: Number(process.env.FLEET_BENCH_DRIFT_CLUSTERS ?? 100),
  driftSamples: Number(process.env.FLEET_BENCH_DRIFT_SAMPLES ?? 200),
  idleAgents: Number(process.env.FLEET_BENCH_IDLE_AGENTS ?? 10_000),
  agentObjects: Number(process.env.FLEET_BENCH_AGENT_OBJECTS ?? 500),
  writerClusters: Number(process.env.FLEET_BENCH_WRITER_CLUSTERS ?? 5_000),
  writerRounds: Number(process.env.FLEET_BENCH_WRITER_ROUNDS ?? 4),
};
const deploymentCount = 6;

/** The 20-object application every fleet cluster runs: a Namespace, 6 Deployments, 6 Services, 7 ConfigMaps. */
function shopFiles(release: number): Record<string, string> {
  const files: Record<string, string> = {
    'apps/shop/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
    'apps/shop/settings.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  cluster: \${cluster.name}\n  mode: fast\n  release: "${release}"\n`,
  };
  const resources = ['namespace.yaml', 'settings.yaml'];
  for (let index = 0; index < deploymentCount; index++) {
    files[`apps/shop/web-${index}.yaml`] = [
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-${index}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: { app: web-${index} }\n  template:\n    metadata:\n      labels: { app: web-${index} }\n    spec:\n      containers:\n        - name: web\n          image: registry.example/web-${index}:${release}\n          ports: [{ containerPort: 8080 }]\n`,
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: web-${index}\nspec:\n  selector: { app: web-${index} }\n  ports: [{ port: 80, targetPort: 8080 }]\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-${index}\ndata:\n  listen: ":8080"\n  upstream: web-${index}.shop.svc\n`,
    ].join('---\n');
    resources.push(`web-${index}.yaml`);
  }
  files['apps/shop/kustomization.yaml'] = `namespace: shop\nresources:\n${resources.map((file) => `  - ${file}\n`).join('')}`;
  return files;
}

/** An application of `count` objects for the single-agent memory figure: a Namespace and ConfigMaps, Services and Deployments in turn. */
function bigFiles(count: number): Record<string, string> {
  const documents: string[] = [];
  for (let index = 0; documents.length < count - 1; index++) {
    const name = `item-${index}`;
    const kinds = [
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  index: "${index}"\n  cluster: \${cluster.name}\n`,
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: { app: ${name} }\n  ports: [{ port: 80, targetPort: 8080 }]\n`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: ${name} }\n  template:\n    metadata:\n      labels: { app: ${name} }\n    spec:\n      containers:\n        - name: app\n          image: registry.example/${name}:1\n`,
    ];
    documents.push(kinds[index % kinds.length]);
  }
  return {
    'apps/big/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: big\n',
    'apps/big/objects.yaml': documents.join('---\n'),
    'apps/big/kustomization.yaml': 'namespace: big\nresources:\n  - namespace.yaml\n  - objects.yaml\n',
  };
}

interface FleetFigures {
  agentsConnected: number;
  commitToAllSyncedMs: number;
  commitToHubShowsAllSyncedMs: number;
  syncSourceMs: number;
  driftToHealedP50Ms: number;
  driftToHealedP99Ms: number;
  driftToHealedMaxMs: number;
  driftSamples: number;
  agentRssMiB: number;
  agentPeakRssMiB: number;
}

/** Drift, commit → Synced and the single agent's memory, on one hub. */
async function fleet(kubeSim: KubeSimProcess, repository: TestGitRepository): Promise<FleetFigures> {
  const hub = await HubProcess.start();
  const agents = AgentsProcess.spawn();
  try {
    const names = Array.from({ length: sizes.agents }, (_, index) => `fleet-${index}`);
    await kubeSim.addClusters(names);
    await hub.graphql(`mutation { createClusterGroup(input: { name: "fleet", selector: "fleet=shop" }) { name } }`);
    await hub.graphql(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await hub.graphql(`mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop", prune: true, healPolicy: auto, targets: [{ group: "fleet" }] }) { name } }`);
    const started = Date.now();
    const { tokens, hubPublicKey } = await hub.registerClusters(names, { fleet: 'shop' });
    log(`registered ${names.length} clusters in ${Date.now() - started} ms`);
    const toStart = (slice: string[], offset: number) => slice.map((cluster, index) => ({ cluster, bootstrapToken: tokens.get(cluster) as string, hubAddress: hubAddress(offset + index, hub.grpcPort) }));

    // Drift is timed at a fleet of `driftClusters`; the rest join afterwards.
    const driftNames = names.slice(0, sizes.driftClusters);
    await agents.start(toStart(driftNames, 0), hubPublicKey, kubeSim.url);
    await until('the drift clusters to sync', () => agents.syncedSince('shop', driftNames, 0).length === driftNames.length, 300_000);
    log(`${driftNames.length} agents synced in ${Date.now() - started} ms`);
    const drift = await driftToHealed(kubeSim, driftNames);
    log(`drift → healed p50 ${percentile(drift, 0.5)} ms, p99 ${percentile(drift, 0.99)} ms`);

    const rest = names.slice(sizes.driftClusters);
    await agents.start(toStart(rest, sizes.driftClusters), hubPublicKey, kubeSim.url);
    await until('every agent to sync', () => agents.syncedSince('shop', names, 0).length === names.length, 600_000);
    await sleep(2_000);
    log(`${names.length} agents synced in ${Date.now() - started} ms`);

    const cpuBefore = [hub.pid, agents.pid, kubeSim.pid].map(cpuSecondsOf);
    await repository.commit(shopFiles(2), 'Release 2');
    const committed = Date.now();
    await hub.graphql(`mutation { syncSource(name: "fleet") { status } }`);
    const syncSourceMs = Date.now() - committed;
    await until('every agent to sync the new revision', () => agents.syncedSince('shop', names, committed).length === names.length, 600_000, 20);
    const commitToAllSyncedMs = Math.max(...agents.syncedSince('shop', names, committed)) - committed;
    const [hubCpu, agentsCpu, kubeSimCpu] = [hub.pid, agents.pid, kubeSim.pid].map((pid, index) => (cpuSecondsOf(pid) - cpuBefore[index]).toFixed(1));
    log(`CPU seconds used from commit to all synced: hub ${hubCpu}, agents ${agentsCpu}, kube-sim ${kubeSimCpu}`);
    await until(
      'the hub to show every cluster Synced on the new revision',
      async () => [...(await hub.applicationStatuses('fleet=shop', 'shop')).values()].filter((status) => status.syncState === 'Synced' && status.reportedAt >= committed).length === names.length,
      600_000,
      250,
    );
    const commitToHubShowsAllSyncedMs = Date.now() - committed;
    log(`commit → all ${names.length} synced in ${commitToAllSyncedMs} ms (syncSource ${syncSourceMs} ms), hub shows it after ${commitToHubShowsAllSyncedMs} ms`);
    const agentsConnected = [...(await hub.connected('fleet=shop')).values()].filter(Boolean).length;

    const agentMemory = await singleAgentMemory(hub, kubeSim, repository);
    return {
      agentsConnected,
      commitToAllSyncedMs,
      commitToHubShowsAllSyncedMs,
      syncSourceMs,
      driftToHealedP50Ms: percentile(drift, 0.5),
      driftToHealedP99Ms: percentile(drift, 0.99),
      driftToHealedMaxMs: Math.max(...drift),
      driftSamples: drift.length,
      ...agentMemory,
    };
  } finally {
    if (agents.failures.length) log(`agent failures: ${agents.failures.length}, e.g. ${agents.failures[0]}`);
    await agents.stop();
    await hub.stop();
  }
}

/** Edits the `settings` ConfigMap as `kubectl edit` would, one cluster after another, and times each until it is back as git says. */
async function driftToHealed(kubeSim: KubeSimProcess, clusters: readonly string[]): Promise<number[]> {
  const waiters = new Map<string, (data: Record<string, string>) => void>();
  const stops = clusters.map((cluster) => kubeSim.watchConfigMap(cluster, 'shop', 'settings', (data) => waiters.get(cluster)?.(data)));
  await sleep(500);
  const latencies: number[] = [];
  try {
    for (let sample = 0; sample < sizes.driftSamples; sample++) {
      const cluster = clusters[sample % clusters.length];
      let drifted = false;
      const healed = new Promise<number>((resolve) =>
        waiters.set(cluster, (data) => {
          if (data['mode'] !== 'fast') drifted = true;
          else if (drifted) resolve(performance.now());
        }),
      );
      const editedAt = performance.now();
      await kubeSim.edit(cluster, '/api/v1/namespaces/shop/configmaps/settings', { data: { mode: `hand-edited-${sample}` } }, 'kubectl-edit');
      const healedAt = await Promise.race([healed, sleep(10_000).then(() => NaN)]);
      waiters.delete(cluster);
      if (Number.isNaN(healedAt)) throw new Error(`drift on ${cluster} was not healed within 10 s`);
      latencies.push(Math.round((healedAt - editedAt) * 10) / 10);
      // Let the agent's report of the heal settle before the next edit.
      await sleep(20);
    }
  } finally {
    for (const stop of stops) stop();
  }
  return latencies;
}

/** Memory of one real agent process (the bundled agent, `npx nx run agent:build`) once it manages the big application. */
async function singleAgentMemory(hub: HubProcess, kubeSim: KubeSimProcess, repository: TestGitRepository): Promise<{ agentRssMiB: number; agentPeakRssMiB: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-fleet-agent-'));
  await kubeSim.addClusters(['solo']);
  await repository.commit(bigFiles(sizes.agentObjects), 'Big application');
  await hub.graphql(`mutation { syncSource(name: "fleet") { status } }`);
  await hub.graphql(`mutation { createClusterGroup(input: { name: "solo", selector: "role=solo" }) { name } }`);
  await hub.graphql(`mutation { createApplication(input: { name: "big", source: "fleet", basePath: "apps/big", targets: [{ group: "solo" }] }) { name } }`);
  const { tokens, hubPublicKey } = await hub.registerClusters(['solo'], { role: 'solo' });
  writeFileSync(join(dir, 'hub.pub'), hubPublicKey);
  writeFileSync(join(dir, 'kubeconfig'), buildKubeconfig([{ name: 'solo', server: `${kubeSim.url}/clusters/solo` }]));
  // The agent as the README tells clusters to run it: bundled into one JavaScript file (no TypeScript
  // compiled at run time), with a small young generation.
  execFileSync(process.execPath, [join(root, 'node_modules/nx/dist/bin/nx.js'), 'run', 'agent:build'], { cwd: root, stdio: 'ignore' });
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=1',
      join(root, 'dist/agent/capstan-agent.mjs'),
      ...['--hub', `127.0.0.1:${hub.grpcPort}`, '--insecure', '--token', tokens.get('solo') as string, '--credential-file', join(dir, 'credential')],
      ...['--hub-public-key', join(dir, 'hub.pub'), '--kubeconfig', join(dir, 'kubeconfig'), '--context', 'solo'],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        output += chunk;
        if (/^big: /m.test(output)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the agent exited with ${code}`)));
    });
    await until('the hub to show the big application Synced', async () => (await hub.applicationStatuses('role=solo', 'big')).get('solo')?.resources === sizes.agentObjects, 60_000, 250);
    // Steady state: watches established, the status reported, a heartbeat or two.
    await sleep(10_000);
    const samples: number[] = [];
    for (let sample = 0; sample < 5; sample++) {
      samples.push(memoryOf(child.pid as number).rssKiB);
      await sleep(1_000);
    }
    return { agentRssMiB: Math.round(median(samples) / 102.4) / 10, agentPeakRssMiB: Math.round(memoryOf(child.pid as number).peakKiB / 102.4) / 10 };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The hub's memory per idle agent: clusters that run nothing, agents that only send heartbeats. */
async function idleAgents(kubeSim: KubeSimProcess): Promise<{ idleAgentsConnected: number; hubRssBeforeMiB: number; hubRssWithAgentsMiB: number; hubRssPerAgentKiB: number }> {
  const hub = await HubProcess.start();
  // A process may open only so many sockets, and every agent holds a gRPC stream and an API connection: a few thousand agents per process.
  const agentsPerProcess = 2_500;
  const processes = Array.from({ length: Math.ceil(sizes.idleAgents / agentsPerProcess) }, () => AgentsProcess.spawn());
  try {
    const names = Array.from({ length: sizes.idleAgents }, (_, index) => `idle-${index}`);
    await kubeSim.addClusters(names);
    const { tokens, hubPublicKey } = await hub.registerClusters(names, { fleet: 'idle' });
    const sampleHub = async () => {
      const samples: number[] = [];
      for (let sample = 0; sample < 5; sample++) {
        samples.push(memoryOf(hub.pid).rssKiB);
        await sleep(1_000);
      }
      return median(samples);
    };
    await sleep(3_000);
    const before = await sampleHub();
    const started = Date.now();
    const toStart = names.map((cluster, index) => ({ cluster, bootstrapToken: tokens.get(cluster) as string, hubAddress: hubAddress(index, hub.grpcPort) }));
    await Promise.all(processes.map((agents, index) => agents.start(toStart.slice(index * agentsPerProcess, (index + 1) * agentsPerProcess), hubPublicKey, kubeSim.url)));
    log(`${names.length} idle agents started in ${Date.now() - started} ms`);
    // Past the first heartbeats, so that every session is as it stays.
    await sleep(12_000);
    const connected = [...(await hub.connected('fleet=idle')).values()].filter(Boolean).length;
    const after = await sampleHub();
    return {
      idleAgentsConnected: connected,
      hubRssBeforeMiB: Math.round(before / 1024),
      hubRssWithAgentsMiB: Math.round(after / 1024),
      hubRssPerAgentKiB: Math.round(((after - before) / connected) * 10) / 10,
    };
  } finally {
    const failures = processes.flatMap((agents) => agents.failures);
    if (failures.length) log(`idle agent failures: ${failures.length}, e.g. ${failures[0]}`);
    await Promise.all(processes.map((agents) => agents.stop()));
    await hub.stop();
  }
}

/** Status rows per second through the hub's batched writer: rounds of one 20-object report per cluster. */
async function statusWriterThroughput(): Promise<{ statusRowsPerSecond: number; statusRowsWritten: number }> {
  const database = await openEphemeralDatabase(databaseKind);
  try {
    const { dataSource } = database;
    const [{ id: sourceId }] = await dataSource.query(`INSERT INTO sources (name, url) VALUES ('fleet', 'file:///fleet') RETURNING id`);
    await dataSource.query(`INSERT INTO applications (name, source_id, base_path) VALUES ('shop', $1, 'apps/shop')`, [sourceId]);
    const clusters: Array<{ id: string }> = await dataSource.query(`INSERT INTO clusters (name) SELECT 'writer-' || n FROM generate_series(1, $1) AS n RETURNING id`, [sizes.writerClusters]);
    const writer = new StatusWriter(dataSource);
    const report = (clusterId: string, round: number): ApplicationStatusRow => ({
      clusterId,
      application: 'shop',
      revisionId: null,
      bundleDigest: `sha256:${round.toString(16).padStart(64, '0')}`,
      syncState: 'Synced',
      error: null,
      watchError: null,
      healthStatus: 'Healthy',
      healthMessage: '',
      changeSet: [{ subject: 'ConfigMap/shop/settings', action: 'configured', message: '' }],
      reportedAt: new Date(),
      resources: Array.from({ length: 20 }, (_, index) => ({
        group: index % 2 ? 'apps' : '',
        kind: index % 2 ? 'Deployment' : 'ConfigMap',
        namespace: 'shop',
        name: `object-${index}`,
        syncState: 'Synced',
        healthStatus: round % 2 ? 'Healthy' : 'Progressing',
        healthMessage: round % 2 ? '' : `round ${round}`,
      })),
    });
    const started = performance.now();
    let rows = 0;
    for (let round = 0; round < sizes.writerRounds; round++) {
      await Promise.all(clusters.map(({ id }) => writer.writeStatus(report(id, round))));
      rows += clusters.length * 21;
    }
    const seconds = (performance.now() - started) / 1_000;
    await writer.close();
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM resource_statuses`);
    if (count !== clusters.length * 20) throw new Error(`expected ${clusters.length * 20} object statuses, found ${count}`);
    return { statusRowsPerSecond: Math.round(rows / seconds), statusRowsWritten: rows };
  } finally {
    await database.close();
  }
}

/** Which parts to run (FLEET_BENCH_PHASES, comma-separated): all by default. */
const phases = new Set((process.env.FLEET_BENCH_PHASES ?? 'fleet,idle,writer').split(',').map((phase) => phase.trim()));

async function main(): Promise<void> {
  const kubeSim = await KubeSimProcess.start();
  const repository = await TestGitRepository.create();
  try {
    await repository.commit(shopFiles(1), 'Release 1');
    const fleetFigures = phases.has('fleet') ? await fleet(kubeSim, repository) : {};
    const idle = phases.has('idle') ? await idleAgents(kubeSim) : {};
    const writer = phases.has('writer') ? await statusWriterThroughput() : {};
    console.log(
      JSON.stringify({
        benchmark: 'fleet',
        database: databaseKind,
        agents: sizes.agents,
        applicationObjects: 20,
        ...fleetFigures,
        driftClusters: sizes.driftClusters,
        idleAgents: sizes.idleAgents,
        ...idle,
        agentObjects: sizes.agentObjects,
        ...writer,
      }),
    );
  } finally {
    kubeSim.stop();
    repository.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
