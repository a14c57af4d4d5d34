/**
 * What the reference kubectl writes, for differential specs and fixtures: the body of the write it
 * sends (caught by a server that refuses writes and answers reads from a simulator holding the
 * objects the command reads) and the object it prints for the same command with `--dry-run=client -o json`.
 */
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../json';
import { buildKubeconfig } from '../kubeconfig';
import { KubeSimServer } from '../server';

/** One request body kubectl sent. */
export interface RecordedWrite {
  method: string;
  path: string;
  contentType: string;
  accept: string;
  body: Buffer;
}

/** What kubectl wrote and printed for one command. */
export interface KubectlWrite {
  write: RecordedWrite;
  /** The object `--dry-run=client -o json` printed for the same arguments. */
  printed: Record<string, unknown>;
}

// kubectl runs in its own process group, which is ended should it hang instead of exiting after the refused write.
function runKubectl(kubectl: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const hung = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 30_000);
    child.on('error', (error) => {
      clearTimeout(hung);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(hung);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/**
 * Runs `kubectl <args>` against a server that records its first write, and again with
 * `--dry-run=client -o json`; reads go to a simulator holding `existing`.
 */
export async function recordKubectlWrite(kubectl: string, args: readonly string[], existing: readonly JsonObject[] = []): Promise<KubectlWrite> {
  const simulator = new KubeSimServer({ controllers: false });
  await simulator.start(0);
  const cluster = simulator.addCluster('recorder');
  for (const object of existing) cluster.createObject(object);
  const upstream = new URL(simulator.clusterUrl('recorder'));
  const writes: RecordedWrite[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    if (request.method !== 'POST' && request.method !== 'PUT') {
      const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, path: `${upstream.pathname}${request.url ?? ''}`, method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      request.pipe(forwarded);
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      writes.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        accept: request.headers.accept ?? '',
        body: Buffer.concat(chunks),
      });
      // Refused, so kubectl stops after the one write.
      const status = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'recorded', reason: 'BadRequest', code: 400 });
      response.writeHead(400, { 'Content-Type': 'application/json' });
      response.end(status);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const directory = mkdtempSync(join(tmpdir(), 'kube-sim-recorder-'));
  try {
    const { port } = server.address() as AddressInfo;
    writeFileSync(join(directory, 'kubeconfig'), buildKubeconfig([{ name: 'recorder', server: `http://127.0.0.1:${port}` }], {}));
    const env = { PATH: process.env.PATH, HOME: directory, KUBECONFIG: join(directory, 'kubeconfig'), KUBECACHEDIR: join(directory, 'cache') };
    await runKubectl(kubectl, args, env);
    const dryRun = await runKubectl(kubectl, [...args.slice(0, 2), '--dry-run=client', '-o', 'json', ...args.slice(2)], env);
    if (writes.length === 0) throw new Error(`kubectl ${args.join(' ')} wrote nothing`);
    if (dryRun.code !== 0) throw new Error(`kubectl ${args.join(' ')} --dry-run=client failed: ${dryRun.stderr}`);
    return { write: writes[0], printed: JSON.parse(dryRun.stdout) as Record<string, unknown> };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await simulator.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}
