import { spawn } from 'node:child_process';

/** How a command exited and what it printed. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command asynchronously, so that the hub and kube-sim running in the spec's process can
 * answer it meanwhile, in a process group of its own, which is ended should it outlive `timeoutMs`.
 */
export function runCommand(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const hung = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), options.timeoutMs ?? 30_000);
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
