import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AgentService, grpcServiceDefinition } from '@capstan/proto';
import { KubeSimServer } from '@capstan/kube-sim';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';

const agentBin = join(__dirname, '../bin/agent.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [agentBin, ...args], { env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, encoding: 'utf8' });

describe('the agent process', () => {
  it('lists its settings', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--hub', '--token', '--credential-file', '--credential-secret', '--health-port', '--in-cluster-root', '--hub-public-key', '--hub-ca', '--insecure', '--kubeconfig', '--context', '--namespace']) expect(help.stdout).toContain(flag);
  });

  it('refuses to start without the hub address, naming it', () => {
    const result = run([]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("required option '--hub <host:port>' not specified");
  });

  it('refuses to start with neither a credential nor a bootstrap token', () => {
    const result = run(['--hub', '127.0.0.1:1', '--hub-public-key', agentBin, '--credential-file', '/nonexistent/credential', '--kubeconfig', agentBin]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no credential in /nonexistent/credential: pass --token');
  });

  it('says so in its log when the hub refuses its credential, and its probes tell live from ready', async () => {
    const refusingHub = new Server();
    refusingHub.addService(grpcServiceDefinition(AgentService), {
      register: () => undefined,
      fetchBundle: () => undefined,
      connect: (call: { emit(event: 'error', error: unknown): void }) => call.emit('error', { code: status.UNAUTHENTICATED, details: 'the credential of cluster east was revoked' }),
    });
    const port = await new Promise<number>((resolve, reject) => refusingHub.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    const kubeSim = new KubeSimServer({ controllers: false });
    await kubeSim.start();
    kubeSim.addCluster('east');
    const dir = mkdtempSync(join(tmpdir(), 'capstan-agent-'));
    const healthPort = await freePort();
    writeFileSync(join(dir, 'kubeconfig'), kubeSim.kubeconfig());
    writeFileSync(join(dir, 'credential'), 'capstan_revoked\n');
    writeFileSync(join(dir, 'hub.pub'), '');
    const child = spawn(
      process.execPath,
      [agentBin, '--hub', `127.0.0.1:${port}`, '--insecure', '--hub-public-key', join(dir, 'hub.pub'), '--credential-file', join(dir, 'credential'), '--kubeconfig', join(dir, 'kubeconfig'), '--health-port', String(healthPort)],
      { env: { PATH: process.env['PATH'], HOME: process.env['HOME'] }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      const deadline = Date.now() + 30_000;
      while (!stderr.includes('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stderr).toContain("the hub refused this cluster's credential: the credential of cluster east was revoked (trying again in 30 s)");
      // It keeps its word: still running, waiting to try again.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(child.exitCode).toBeNull();
      // Alive, but not ready: the hub has not taken it.
      expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      expect([ready.status, await ready.text()]).toEqual([503, 'not connected to the hub\n']);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGTERM');
      await exited;
      refusingHub.forceShutdown();
      await kubeSim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
