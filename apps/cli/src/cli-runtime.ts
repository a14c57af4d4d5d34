import { readFileSync } from 'node:fs';
/** Where `capstan` writes: process.stdout and process.stderr, or buffers in tests. */
export interface CliStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** What a run of `capstan` reads from and writes to, so a test can run it in process. */
export interface CliRuntime {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** All of standard input, for `--token -`. */
  readStdin(): string;
  /** Ends a watch; without it, SIGINT or SIGTERM does while the watch runs. */
  readonly interrupt?: AbortSignal;
}

export function processRuntime(): CliRuntime {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, readStdin: () => readFileSync(0, 'utf8') };
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything but '' (https://no-color.org). */
export function wantsColor(runtime: CliRuntime): boolean {
  return Boolean(runtime.stdout.isTTY) && !runtime.env['NO_COLOR'];
}

/**
 * A signal that fires when the watch should end: the runtime's, or Ctrl-C / SIGTERM while the
 * watch runs (listening only meanwhile, so other commands keep Node's default of exiting).
 */
export function watchInterruption(runtime: CliRuntime): { signal: AbortSignal; release(): void } {
  if (runtime.interrupt) return { signal: runtime.interrupt, release: () => undefined };
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}
