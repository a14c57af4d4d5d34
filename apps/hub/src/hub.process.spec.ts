import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnHubProcess } from './testing/hub-process';

const repositoryRoot = resolve(__dirname, '../../..');

interface StartedHub {
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** Runs `npm start -- --no-demo ARGS` (the hub alone; demo.e2e.spec.ts starts the demo) exactly as a user would, and waits for the hub to say where it listens. */
function npmStart(args: string[], env: NodeJS.ProcessEnv = {}): Promise<StartedHub> {
  const child = spawn('npm', ['start', '--', '--no-demo', ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: '', NODE_OPTIONS: '', CAPSTAN_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /GraphQL API at (http:\/\/\S+)\/graphql/.exec(output);
      if (match) resolvePromise({ process: child, url: match[1], output: () => output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

function stop(hub: StartedHub): Promise<void> {
  return new Promise((resolvePromise) => {
    hub.process.removeAllListeners('exit');
    hub.process.on('exit', () => resolvePromise());
    process.kill(-(hub.process.pid ?? 0), 'SIGTERM');
  });
}

async function graphql(url: string, token: string, query: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

describe('the hub alone, started with npm start -- --no-demo on its embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'capstan-hub-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints its URL and a one-time admin token, answers /readyz, and keeps its data across a restart', async () => {
    const first = await npmStart(['--port', '0', '--grpc-port', '0', '--state-dir', dataDir]);
    let token: string;
    try {
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
      const match = /Admin API token \(shown once, store it now\): (capstan_\S+)/.exec(first.output());
      expect(match).not.toBeNull();
      token = match?.[1] ?? '';
      expect(await graphql(first.url, token, `mutation { createCluster(input: { name: "kept", labels: { env: "prod" } }) { name } }`)).toEqual({ data: { createCluster: { name: 'kept' } } });
    } finally {
      await stop(first);
    }

    const second = await npmStart(['--port', '0', '--grpc-port', '0', '--state-dir', dataDir]);
    try {
      expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
      expect(second.output()).not.toContain('Admin API token');
      expect(await graphql(second.url, token, `{ cluster(name: "kept") { labels } }`)).toEqual({ data: { cluster: { labels: { env: 'prod' } } } });
    } finally {
      await stop(second);
    }
  });

  it('refuses to start with a wrong setting, naming it', async () => {
    await expect(npmStart(['--port', 'http'])).rejects.toThrow(/exited with 2[\s\S]*--port: must be an integer from 0 to 65535, got "http"/);
    await expect(npmStart([], { CAPSTAN_PORT: '0x10' })).rejects.toThrow(/CAPSTAN_PORT: must be an integer/);
  });
});

describe('the hub process when a port it is told to use is taken', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'capstan-hub-'));
  let holder: Server;
  let taken: number;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening));
    taken = (holder.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((closed) => holder.close(closed));
    rmSync(stateDir, { recursive: true, force: true });
  });

  it.each([
    ['--grpc-port', (port: number) => ['--port', '0', '--grpc-port', String(port)]],
    ['--port', (port: number) => ['--port', String(port), '--grpc-port', '0']],
  ])('stops with one line naming %s and a non-zero exit', async (flag, args) => {
    const hub = spawnHubProcess(['--host', '127.0.0.1', '--grpc-insecure', 'true', '--state-dir', stateDir, ...args(taken)], { CAPSTAN_LOG_LEVEL: 'warn' });
    try {
      const code = await hub.exited;
      expect(code).not.toBe(0);
      expect(hub.stderr()).toBe(`capstan hub: ${flag} ${taken} is already in use\n`);
      expect(hub.output()).not.toMatch(/\n\s+at /);
    } finally {
      await hub.stop();
    }
  });
});
