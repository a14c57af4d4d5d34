import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { KubeSimServer } from '@capstan/kube-sim';

interface SimServeOptions {
  port: string;
  kubeconfig: string;
  clusters: string;
  tls?: boolean;
  token?: string;
  readyDelay: string;
  brokenImage: string;
  snapshot?: string;
}

function positiveInteger(flag: string, text: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${flag} expects an integer of at least ${minimum}, got ${JSON.stringify(text)}`);
  return value;
}

/** Names of the simulated clusters: `--clusters 3` serves `cluster-1` … `cluster-3`, `--clusters dev,prod` those two. */
export function simulatedClusterNames(clusters: string): string[] {
  if (/^\d+$/.test(clusters)) return Array.from({ length: positiveInteger('--clusters', clusters, 1) }, (_, index) => `cluster-${index + 1}`);
  const names = clusters.split(',').map((name) => name.trim());
  const invalid = names.find((name) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name));
  if (invalid !== undefined) throw new Error(`--clusters expects a count or comma-separated cluster names (lowercase letters, digits and "-"), got ${JSON.stringify(invalid)}`);
  return [...new Set(names)];
}

/** `capstan sim serve`: simulated Kubernetes clusters on 127.0.0.1 for the local demo and tests, until killed. */
export function registerSimCommand(program: Command): void {
  const sim = program.command('sim').description('simulated Kubernetes clusters (kube-sim)');
  sim
    .command('serve')
    .description('serve simulated clusters on 127.0.0.1 and write a kubeconfig with one context per cluster; runs until killed')
    .requiredOption('--port <port>', 'port to listen on (0 picks a free one)')
    .requiredOption('--kubeconfig <file>', 'kubeconfig file to write')
    .option('--clusters <n|names>', 'how many clusters to serve, or their names (dev,staging,prod)', '1')
    .option('--tls', 'serve HTTPS with a self-signed certificate')
    .option('--token <token>', 'require this bearer token')
    .option('--ready-delay <ms>', 'how long workloads take to become ready', '1000')
    .option('--broken-image <regex>', 'images matching this never become ready', 'broken')
    .option('--snapshot <file>', 'load clusters from this JSON file if it exists, and save them to it on exit')
    .action(async (options: SimServeOptions) => {
      const server = new KubeSimServer({
        tls: options.tls,
        token: options.token,
        controllers: { readyDelayMs: positiveInteger('--ready-delay', options.readyDelay, 0), brokenImagePattern: new RegExp(options.brokenImage) },
      });
      const snapshot = options.snapshot;
      if (snapshot && existsSync(snapshot)) await server.loadSnapshot(snapshot);
      for (const name of simulatedClusterNames(options.clusters)) {
        if (!server.clusterNames().includes(name)) server.addCluster(name);
      }
      await server.start(positiveInteger('--port', options.port, 0), '127.0.0.1');
      await server.writeKubeconfig(options.kubeconfig);
      process.stdout.write(`kube-sim serving ${server.clusterNames().length} cluster(s) at ${server.url}; kubeconfig ${options.kubeconfig}\n`);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      if (snapshot) await server.saveSnapshot(snapshot);
      await server.stop();
    });
}
