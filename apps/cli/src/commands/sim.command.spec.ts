import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const capstan = join(__dirname, '..', '..', 'bin', 'capstan.js');

/** Starts `capstan sim serve` and resolves with its first stdout line. */
function serve(args: string[]): { child: ChildProcessWithoutNullStreams; ready: Promise<string> } {
  const child = spawn(process.execPath, [capstan, 'sim', 'serve', ...args]);
  const ready = new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(output.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`capstan sim serve exited with ${code}`)));
  });
  return { child, ready };
}

describe('capstan sim serve', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'capstan-sim-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('serves the requested clusters on 127.0.0.1 and writes a kubeconfig with one context each', async () => {
    const kubeconfig = join(directory, 'kubeconfig');
    const { child, ready } = serve(['--port', '0', '--kubeconfig', kubeconfig, '--clusters', '2']);
    try {
      expect(await ready).toMatch(/^kube-sim serving 2 cluster\(s\) at http:\/\/127\.0\.0\.1:\d+/);
      const config = parse(readFileSync(kubeconfig, 'utf8'));
      expect(config.contexts.map((context: { name: string }) => context.name)).toEqual(['cluster-1', 'cluster-2']);
      const server = config.clusters[1].cluster.server as string;
      expect(server).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/clusters\/cluster-2$/);
      const namespaces = (await fetch(`${server}/api/v1/namespaces`).then((response) => response.json())) as { items: Array<{ metadata: { name: string } }> };
      expect(namespaces.items.map((item) => item.metadata.name)).toContain('default');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it.each([
    ['0', '--clusters expects an integer of at least 1, got "0"'],
    ['dev,Prod_1', '--clusters expects a count or comma-separated cluster names (lowercase letters, digits and "-"), got "Prod_1"'],
  ])('refuses --clusters %s, naming what is wrong', async (clusters, message) => {
    const { child, ready } = serve(['--port', '0', '--kubeconfig', join(directory, 'unused'), '--clusters', clusters]);
    const stderr = new Promise<string>((resolve) => {
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('exit', () => resolve(text));
    });
    await expect(ready).rejects.toThrow('exited with 1');
    expect(await stderr).toContain(message);
  });

  it('serves clusters by name', async () => {
    const kubeconfig = join(directory, 'named');
    const { child, ready } = serve(['--port', '0', '--kubeconfig', kubeconfig, '--clusters', 'dev,staging,prod']);
    try {
      await ready;
      const contexts = (parse(readFileSync(kubeconfig, 'utf8')) as { contexts: Array<{ name: string }> }).contexts.map((context) => context.name);
      expect(contexts.sort()).toEqual(['dev', 'prod', 'staging']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
