import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, existsSync, mkdirSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleGit } from 'simple-git';
import { servingCertificateFile } from '../agent-gateway/hub-keys';
import { demoApplication, demoClusters, demoGroups, demoPolicy, demoSourceName, type DemoPaths, demoPaths } from './demo-definition';

const repositoryRoot = resolve(__dirname, '../../../..');
const exampleFleet = join(repositoryRoot, 'deploy/examples/fleet');
const cliBin = join(repositoryRoot, 'apps/cli/bin/capstan.js');
const agentBin = join(repositoryRoot, 'apps/agent/bin/agent.js');

export interface DemoFleetOptions {
  stateDir: string;
  /** Base URL of the hub's HTTP API. */
  hubUrl: string;
  grpcPort: number;
  grpcInsecure: boolean;
  /** An admin token of the hub, which the demo sets itself up with (and which is audited as its actor). */
  token: string;
}

/** How the demo fleet turned out, for the banner. */
export interface DemoFleetStatus {
  paths: DemoPaths;
  /** Clusters not yet Synced and Healthy when the wait ended (empty: converged). */
  notConverged: string[];
}

interface GraphqlError {
  message: string;
  extensions?: { code?: string };
}

/**
 * The demo fleet `npm start` runs beside the hub: the example repository as a local git
 * repository to commit to, three simulated clusters (kube-sim) with a real agent each, groups, an
 * application rolled out dev → staging → prod, and a policy — set up through the hub's GraphQL API
 * like any client would, and kept from one start to the next (clusters in a snapshot, agents'
 * credentials in files, everything else in the hub's database).
 */
export class DemoFleet {
  private readonly children: ChildProcess[] = [];
  readonly paths: DemoPaths;

  constructor(private readonly options: DemoFleetOptions) {
    this.paths = demoPaths(options.stateDir);
  }

  /** Sets the fleet up (or picks up the last one) and waits up to a minute for it to converge; `stop` ends what started, also after a failure. */
  async start(): Promise<DemoFleetStatus> {
    const { paths } = this;
    mkdirSync(paths.logs, { recursive: true });
    writeFileSync(paths.hubUrlFile, `${this.options.hubUrl}\n`);
    await this.prepareRepository();
    await this.startClusters();
    for (const group of demoGroups) await this.ensure(`mutation($input: CreateClusterGroupInput!) { createClusterGroup(input: $input) { name } }`, { input: group });
    await this.ensure(`mutation($input: CreateSourceInput!) { createSource(input: $input) { name } }`, { input: { name: demoSourceName, url: paths.repository, ref: 'main', pollIntervalSeconds: 10 } });
    await this.ensure(`mutation($input: PolicyInput!) { createPolicy(input: $input) { name } }`, { input: demoPolicy });
    for (const cluster of demoClusters) await this.startAgent(cluster.name, cluster.labels);
    await this.ensure(`mutation($input: CreateApplicationInput!) { createApplication(input: $input) { name } }`, { input: demoApplication });
    return { paths, notConverged: await this.waitForConvergence(60_000) };
  }

  /** The example fleet committed to a repository of its own, with a hook that tells the hub of each new commit at once. */
  private async prepareRepository(): Promise<void> {
    const { repository } = this.paths;
    if (existsSync(join(repository, '.git'))) return;
    cpSync(exampleFleet, repository, { recursive: true });
    const git = simpleGit(repository);
    await git.init(['--initial-branch=main']);
    await git.addConfig('user.name', 'Capstan demo').addConfig('user.email', 'demo@capstan.invalid');
    await git.add('.').commit('The demo fleet: guestbook on dev, staging and prod');
    const hook = join(repository, '.git/hooks/post-commit');
    writeFileSync(
      hook,
      [
        '#!/bin/sh',
        '# Tells the Capstan hub of the new commit at once instead of at its next poll.',
        `CAPSTAN_HUB="$(cat '${this.paths.hubUrlFile}')" CAPSTAN_TOKEN="$(cat '${this.paths.tokenFile}')" '${process.execPath}' '${cliBin}' source sync ${demoSourceName} --reason "committed to the demo repository" || true`,
        '',
      ].join('\n'),
    );
    chmodSync(hook, 0o755);
  }

  /** kube-sim serving the three clusters, restored from (and saved to) its snapshot. */
  private async startClusters(): Promise<void> {
    const { kubeconfig, clusterSnapshot } = this.paths;
    rmSync(kubeconfig, { force: true });
    const clusters = demoClusters.map((cluster) => cluster.name).join(',');
    const sim = this.spawn('kube-sim', [cliBin, 'sim', 'serve', '--port', '0', '--kubeconfig', kubeconfig, '--clusters', clusters, '--snapshot', clusterSnapshot]);
    const deadline = Date.now() + 30_000;
    while (!existsSync(kubeconfig)) {
      if (sim.exitCode !== null) throw new Error(`the simulated clusters stopped at start (exit code ${sim.exitCode}); see ${join(this.paths.logs, 'kube-sim.log')}`);
      if (Date.now() > deadline) throw new Error(`the simulated clusters did not start within 30 s; see ${join(this.paths.logs, 'kube-sim.log')}`);
      await sleep(100);
    }
  }

  /** Registers the cluster when it has no credential yet (or the hub no longer knows it), then runs its agent. */
  private async startAgent(cluster: string, labels: Record<string, string>): Promise<void> {
    const dir = join(this.paths.agents, cluster);
    const credentialFile = join(dir, 'credential');
    const publicKeyFile = join(dir, 'hub.pub');
    mkdirSync(dir, { recursive: true });
    const known = (await this.graphql<{ cluster: { name: string } | null } | null>(`query($name: String!) { cluster(name: $name) { name } }`, { name: cluster }, 'NOT_FOUND'))?.cluster != null;
    let token: string | undefined;
    if (!known || !existsSync(credentialFile) || !existsSync(publicKeyFile)) {
      rmSync(credentialFile, { force: true });
      const { createClusterRegistration } = await this.graphql<{ createClusterRegistration: { token: string; hubPublicKey: string } }>(
        `mutation($input: CreateClusterRegistrationInput!) { createClusterRegistration(input: $input, reason: "demo fleet") { token hubPublicKey } }`,
        { input: { name: cluster, labels } },
      );
      token = createClusterRegistration.token;
      writeFileSync(publicKeyFile, createClusterRegistration.hubPublicKey);
    }
    const trust = this.options.grpcInsecure ? ['--insecure'] : ['--hub-ca', servingCertificateFile(this.options.stateDir)];
    this.spawn(`agent-${cluster}`, [
      agentBin,
      '--hub',
      `localhost:${this.options.grpcPort}`,
      ...trust,
      '--hub-public-key',
      publicKeyFile,
      '--credential-file',
      credentialFile,
      ...(token ? ['--token', token] : []),
      '--kubeconfig',
      this.paths.kubeconfig,
      '--context',
      cluster,
      '--checksum-interval',
      '60',
    ]);
  }

  /** Clusters of the demo application not yet Synced and Healthy once `timeoutMs` passed (none: converged). */
  private async waitForConvergence(timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { application } = await this.graphql<{ application: { clusters: Array<{ cluster: string; syncState: string; health: string }> } }>(
        `query($name: String!) { application(name: $name) { clusters { cluster syncState health } } }`,
        { name: demoApplication.name },
      );
      const converged = new Set(application.clusters.filter((status) => status.syncState === 'Synced' && status.health === 'Healthy').map((status) => status.cluster));
      const pending = demoClusters.map((cluster) => cluster.name).filter((name) => !converged.has(name));
      if (pending.length === 0 || Date.now() > deadline) return pending;
      await sleep(250);
    }
  }

  /** A child in the hub's process group (so Ctrl-C on the terminal reaches it too), its output in a log file of its own. */
  private spawn(name: string, args: string[]): ChildProcess {
    const log = openSync(join(this.paths.logs, `${name}.log`), 'a');
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], env: { ...process.env, CAPSTAN_TOKEN: undefined, CAPSTAN_ADMIN_TOKEN: undefined } });
    closeSync(log);
    this.children.push(child);
    return child;
  }

  /** A mutation whose object may exist from an earlier start: CONFLICT means it does, and is left as it is (the user may have changed it). */
  private async ensure(query: string, variables: Record<string, unknown>): Promise<void> {
    await this.graphql(query, variables, 'CONFLICT');
  }

  private async graphql<T>(query: string, variables: Record<string, unknown>, tolerated?: string): Promise<T> {
    const response = await fetch(`${this.options.hubUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: GraphqlError[] };
    const errors = (body.errors ?? []).filter((error) => error.extensions?.code !== tolerated);
    if (errors.length > 0) throw new Error(`setting up the demo fleet: ${errors.map((error) => error.message).join('; ')}`);
    return body.data as T;
  }

  /** Agents first (so none reports to a hub going away), then the clusters, which save their snapshot on SIGTERM. */
  async stop(): Promise<void> {
    const [sim, ...agents] = this.children;
    await Promise.all(agents.map((child) => stopChild(child)));
    if (sim) await stopChild(sim);
    this.children.length = 0;
  }

  /** For an exiting process that cannot wait: signals every child. */
  killNow(): void {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
