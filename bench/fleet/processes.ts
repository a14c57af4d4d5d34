/**
 * The processes of a fleet on one machine, for the fleet and rollout benchmarks: a hub
 * (apps/hub/bin/hub.js, PGlite, or PostgreSQL when DATABASE_URL is set), the simulated clusters,
 * and many agents in one process; and the measuring helpers they share.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatabaseKind, provisionTestDatabase, type ProvisionedDatabase } from '@capstan/persistence';
import type { AgentsCommand, AgentsEvent, AgentToStart } from './agents.process';

/** Agents started at once by each agents' process. */
const startConcurrency = Number(process.env.FLEET_BENCH_START_CONCURRENCY ?? 50);
export const databaseKind: DatabaseKind = process.env.DATABASE_URL ? 'postgres' : 'pglite';
const register = require.resolve('../../tools/register');
/** FLEET_BENCH_CPU_PROF=<dir>: the hub, agents and kube-sim processes write V8 CPU profiles there when they exit. */
export const profiling = process.env.FLEET_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FLEET_BENCH_CPU_PROF}`] : [];
export const root = join(__dirname, '../..');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Progress on stderr, named after the benchmark running (bench/run.js says which). */
export const log = (line: string) => process.stderr.write(`${process.env.CAPSTAN_BENCHMARK ?? 'bench'}: ${line}\n`);

export async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Resident memory of a process, from /proc, in KiB: now (VmRSS) and at its peak (VmHWM). */
export function memoryOf(pid: number): { rssKiB: number; peakKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}

/** CPU time a process has used so far, in seconds (user + system, from /proc). */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // utime and stime, the 14th and 15th fields, in clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

/**
 * The address agent `index` dials. grpc-js shares one connection among all channels of a process
 * to the same target; real agents each have their own, so each agent here dials the hub (listening
 * on every address) through a loopback address of its own.
 */
export function hubAddress(index: number, port: number): string {
  const host = index + 1;
  return `127.${1 + (host >> 16)}.${(host >> 8) & 255}.${host & 255}:${port}`;
}

/** A hub in its own process, on a throwaway database, spoken to over GraphQL with a known admin token. */
export class HubProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly stateDir: string,
    private readonly database: ProvisionedDatabase,
    readonly url: string,
    readonly grpcPort: number,
    private readonly adminToken: string,
  ) {}

  static async start(): Promise<HubProcess> {
    const database = await provisionTestDatabase(databaseKind);
    const stateDir = mkdtempSync(join(tmpdir(), 'capstan-fleet-hub-'));
    const adminToken = `capstan_${randomBytes(24).toString('base64url')}`;
    const args = ['--host', '0.0.0.0', '--port', '0', '--grpc-port', '0', '--grpc-insecure', 'true', '--state-dir', stateDir, '--admin-token', adminToken, '--log-level', 'warn'];
    if (database.databaseUrl) args.push('--database-url', database.databaseUrl);
    // The database is chosen above and passed as a flag: the hub must not fall back on the server's own database.
    const { DATABASE_URL: _server, ...env } = process.env;
    const child = spawn(process.execPath, [...profiling, join(root, 'apps/hub/bin/hub.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
    const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
      let output = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        output += chunk;
        const match = /GraphQL API at (\S+)\/graphql, agents' gRPC API on port (\d+)/.exec(output);
        if (match) resolve(match);
      });
      child.once('exit', (code) => reject(new Error(`the hub exited with ${code} before it was ready: ${output}`)));
    });
    return new HubProcess(child, stateDir, database, ready[1], Number(ready[2]), adminToken);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors).slice(0, 2_000)}`);
    return body.data as T;
  }

  /** Registrations for these clusters, a hundred per request; returns each cluster's bootstrap token and the hub's public key. */
  async registerClusters(names: readonly string[], labels: Record<string, string>): Promise<{ tokens: Map<string, string>; hubPublicKey: string }> {
    const tokens = new Map<string, string>();
    let hubPublicKey = '';
    for (let offset = 0; offset < names.length; offset += 100) {
      const chunk = names.slice(offset, offset + 100);
      const fields = chunk.map((name, index) => `r${index}: createClusterRegistration(input: { name: ${JSON.stringify(name)}, labels: $labels }) { token hubPublicKey }`);
      const data = await this.graphql<Record<string, { token: string; hubPublicKey: string }>>(`mutation($labels: StringMap) { ${fields.join(' ')} }`, { labels });
      chunk.forEach((name, index) => tokens.set(name, data[`r${index}`].token));
      hubPublicKey = data['r0'].hubPublicKey;
    }
    return { tokens, hubPublicKey };
  }

  /** Cluster name → whether its agent is connected, for clusters matching `selector`. */
  async connected(selector: string): Promise<Map<string, boolean>> {
    const result = new Map<string, boolean>();
    let after: string | null = null;
    for (;;) {
      const page: { clusters: { edges: Array<{ node: { name: string; connected: boolean } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await this.graphql(
        `query($selector: String, $after: String) { clusters(selector: $selector, first: 500, after: $after) { edges { node { name connected } } pageInfo { hasNextPage endCursor } } }`,
        { selector, after },
      );
      for (const edge of page.clusters.edges) result.set(edge.node.name, edge.node.connected);
      if (!page.clusters.pageInfo.hasNextPage) return result;
      after = page.clusters.pageInfo.endCursor;
    }
  }

  /** Per cluster matching `selector`: the status of `application` as the hub shows it. */
  async applicationStatuses(selector: string, application: string): Promise<Map<string, { syncState: string; reportedAt: number; resources: number }>> {
    const result = new Map<string, { syncState: string; reportedAt: number; resources: number }>();
    let after: string | null = null;
    for (;;) {
      type Page = { clusters: { edges: Array<{ node: { name: string; applications: Array<{ application: string; syncState: string; reportedAt: string; resources: unknown[] }> } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      const page: Page = await this.graphql(
        `query($selector: String, $after: String) { clusters(selector: $selector, first: 100, after: $after) { edges { node { name applications { application syncState reportedAt resources { kind } } } } pageInfo { hasNextPage endCursor } } }`,
        { selector, after },
      );
      for (const edge of page.clusters.edges) {
        const status = edge.node.applications.find((candidate) => candidate.application === application);
        if (status) result.set(edge.node.name, { syncState: status.syncState, reportedAt: Date.parse(status.reportedAt), resources: status.resources.length });
      }
      if (!page.clusters.pageInfo.hasNextPage) return result;
      after = page.clusters.pageInfo.endCursor;
    }
  }

  async stop(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000).then(() => this.child.kill('SIGKILL'))]);
    await this.database.dispose();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** The simulated clusters' process. */
export class KubeSimProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  get pid(): number {
    return this.child.pid as number;
  }

  /** With `controllers`, Deployments become ready as in a cluster (health gates need it); without, objects stay as applied. */
  static async start(options: { controllers?: boolean } = {}): Promise<KubeSimProcess> {
    const child = fork(join(__dirname, 'kube-sim.process.ts'), options.controllers ? ['--controllers'] : [], { execArgv: ['-r', register, ...profiling] });
    const [message] = (await once(child, 'message')) as [{ url: string }];
    return new KubeSimProcess(child, message.url);
  }

  async addClusters(names: readonly string[]): Promise<void> {
    for (let offset = 0; offset < names.length; offset += 1_000) {
      const added = once(this.child, 'message');
      this.child.send({ addClusters: names.slice(offset, offset + 1_000) });
      await added;
    }
  }

  /** Changes an object as another field manager would, through the HTTP API. */
  async edit(cluster: string, path: string, patch: unknown, fieldManager: string): Promise<void> {
    const response = await fetch(`${this.url}/clusters/${cluster}${path}?fieldManager=${fieldManager}`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify(patch) });
    if (!response.ok) throw new Error(`PATCH ${path} on ${cluster}: ${response.status} ${await response.text()}`);
  }

  /** Watches one ConfigMap on one cluster; `onChange` gets each version's data as it arrives. */
  watchConfigMap(cluster: string, namespace: string, name: string, onChange: (data: Record<string, string>) => void): () => void {
    const url = new URL(`${this.url}/clusters/${cluster}/api/v1/namespaces/${namespace}/configmaps?watch=true&fieldSelector=metadata.name%3D${name}`);
    const outgoing = request(url, (response) => {
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        pending += chunk;
        for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
          const event = JSON.parse(pending.slice(0, newline)) as { type: string; object: { data?: Record<string, string> } };
          pending = pending.slice(newline + 1);
          if (event.type === 'ADDED' || event.type === 'MODIFIED') onChange(event.object.data ?? {});
        }
      });
    });
    outgoing.on('error', () => undefined);
    outgoing.end();
    return () => outgoing.destroy();
  }

  stop(): void {
    this.child.disconnect();
  }
}

/** The agents' process: many `Agent` instances, and the times they synced. */
export class AgentsProcess {
  /** Per application, per cluster: when it last synced. */
  readonly synced = new Map<string, Map<string, number>>();
  readonly failures: string[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (event: AgentsEvent) => {
      if (event.type === 'synced') {
        const clusters = this.synced.get(event.application) ?? new Map<string, number>();
        clusters.set(event.cluster, event.at);
        this.synced.set(event.application, clusters);
      }
      if (event.type === 'failed') {
        this.failures.push(`${event.cluster} ${event.application}: ${event.reason}`);
        log(`agent of ${event.cluster} failed on ${event.application}: ${event.reason.slice(0, 300)}`);
      }
    });
  }

  static spawn(): AgentsProcess {
    // Thousands of agents: more heap than the default.
    return new AgentsProcess(fork(join(__dirname, 'agents.process.ts'), [], { execArgv: ['-r', register, '--max-old-space-size=8192', ...profiling] }));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  async start(agents: AgentToStart[], hubPublicKey: string, kubeSimUrl: string): Promise<void> {
    const started = new Promise<Extract<AgentsEvent, { type: 'started' }>>((resolve) => {
      const listener = (event: AgentsEvent) => {
        if (event.type !== 'started') return;
        this.child.off('message', listener);
        resolve(event);
      };
      this.child.on('message', listener);
    });
    this.child.send({ type: 'start', agents, hubPublicKey, kubeSimUrl, concurrency: startConcurrency } satisfies AgentsCommand);
    const result = await started;
    if (result.failures.length) throw new Error(`${result.failures.length} agent(s) did not start, e.g. ${result.failures[0]}`);
  }

  /** Clusters of `names` that synced `application` at or after `since`. */
  syncedSince(application: string, names: readonly string[], since: number): number[] {
    const clusters = this.synced.get(application);
    return names.flatMap((name) => {
      const at = clusters?.get(name);
      return at !== undefined && at >= since ? [at] : [];
    });
  }

  async stop(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.send({ type: 'stop' } satisfies AgentsCommand);
    await Promise.race([exited, sleep(30_000).then(() => this.child.kill('SIGKILL'))]);
  }
}
