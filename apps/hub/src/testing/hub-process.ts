import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const repositoryRoot = resolve(__dirname, '../../../..');

/** A hub run as its own process (apps/hub/bin/hub.js) in a process group of its own, with everything it writes. */
export interface HubProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  /** Waits for the ready line; its GraphQL URL and gRPC port. Rejects if the process ends first. */
  ready(): Promise<{ url: string; grpcPort: number }>;
  /** Ends the whole process group (SIGTERM) and waits for the hub to exit. */
  stop(): Promise<void>;
}

/** Starts `node apps/hub/bin/hub.js ARGS` with `env` added to this process's environment (DATABASE_URL cleared unless given). */
export function spawnHubProcess(args: string[], env: NodeJS.ProcessEnv = {}): HubProcess {
  const child = spawn(process.execPath, [resolve(repositoryRoot, 'apps/hub/bin/hub.js'), ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: '', NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  let running = true;
  void exited.then(() => (running = false));
  return {
    child,
    output: () => output,
    stderr: () => stderr,
    exited,
    ready() {
      return new Promise((resolveReady, reject) => {
        const check = () => {
          const match = /GraphQL API at (http:\/\/\S+)\/graphql, agents' gRPC API on port (\d+)/.exec(output);
          if (match) {
            clearInterval(timer);
            resolveReady({ url: match[1], grpcPort: Number(match[2]) });
          }
        };
        const timer = setInterval(check, 50);
        void exited.then((code) => {
          clearInterval(timer);
          reject(new Error(`the hub exited with ${code} before it was ready:\n${output}`));
        });
      });
    },
    async stop() {
      if (!running) return;
      try {
        process.kill(-(child.pid ?? 0), 'SIGTERM');
      } catch {
        // Already gone.
      }
      await exited;
    },
  };
}
