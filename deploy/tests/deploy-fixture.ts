/** What the deploy specs share: rendering with `capstan render` and helm, and applying to a simulated cluster with kubectl. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeSimServer } from '@capstan/kube-sim';
import { formatIdentity, identityOf, type JsonObject, parseManifestObjects } from '@capstan/manifest';

export const repositoryRoot = join(__dirname, '..', '..');

type ReferenceBinary = { path: string | null; reason: string | null };
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools/ is plain Node outside the Nx graph; the reference kubectl and helm live there
const { referenceBinary } = require('../../tools/reference-binaries') as { referenceBinary: (name: string) => ReferenceBinary };
export const kubectl = referenceBinary('kubectl');
export const helm = referenceBinary('helm');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program in a process group of its own, which is killed once it ends or `timeoutMs` passes, so nothing it started outlives the spec. */
export function run(program: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: repositoryRoot, env: options.env ?? process.env, detached: true, stdio: 'pipe' });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The group has already ended.
      }
    };
    const timer = setTimeout(killGroup, options.timeoutMs ?? 30_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup();
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Renders a kustomization directory of the repository with the `capstan render` command. */
export async function capstanRender(dir: string): Promise<string> {
  const rendered = await run(process.execPath, [join(repositoryRoot, 'apps', 'cli', 'bin', 'capstan.js'), 'render', join(repositoryRoot, dir)]);
  if (rendered.code !== 0) throw new Error(`capstan render ${dir} failed: ${rendered.stderr}`);
  return rendered.stdout;
}

/** Renders a chart of the repository with the reference helm; `values` become a values file. */
export async function helmTemplate(chart: string, values: Record<string, unknown>, extraArgs: readonly string[] = []): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'capstan-helm-'));
  try {
    const valuesFile = join(directory, 'values.json');
    writeFileSync(valuesFile, JSON.stringify(values));
    const environment = { PATH: process.env.PATH, HOME: directory, HELM_CACHE_HOME: join(directory, 'cache'), HELM_CONFIG_HOME: join(directory, 'config'), HELM_DATA_HOME: join(directory, 'data') };
    const rendered = await run(helm.path!, ['template', 'capstan', join(repositoryRoot, chart), '-f', valuesFile, ...extraArgs], { env: environment });
    if (rendered.code !== 0) throw new Error(`helm template ${chart} failed: ${rendered.stderr}`);
    return rendered.stdout;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The objects of a YAML stream by `Kind/namespace/name`. */
export function objectsByIdentity(yaml: string): Map<string, JsonObject> {
  return new Map(parseManifestObjects(yaml, 'rendered.yaml').map((object) => [formatIdentity(identityOf(object)), object]));
}

/** A simulator with a fresh cluster per apply, driven by the reference kubectl. */
export class SimulatedClusters {
  private readonly server = new KubeSimServer({ controllers: false });
  private readonly directory = mkdtempSync(join(tmpdir(), 'capstan-deploy-'));
  private clusters = 0;

  async start(): Promise<void> {
    await this.server.start(0);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** A new empty cluster; `kubectl(args, input)` runs the reference kubectl against it. */
  async cluster(): Promise<(args: readonly string[], input?: string) => Promise<Run>> {
    const name = `cluster-${++this.clusters}`;
    this.server.addCluster(name);
    const kubeconfig = join(this.directory, `${name}.kubeconfig`);
    await this.server.writeKubeconfig(kubeconfig, [name]);
    const environment = { PATH: process.env.PATH, HOME: this.directory, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(this.directory, `${name}-cache`) };
    return (args, input) => run(kubectl.path!, args, { env: environment, input });
  }
}
