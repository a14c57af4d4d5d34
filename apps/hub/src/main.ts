import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateTokenSecret } from './auth/token-secret';
import { ConfigError, type HubConfig, loadHubConfig } from './config/hub-config';
import { demoBanner, demoPaths } from './demo/demo-definition';
import { DemoFleet } from './demo/demo-fleet';
import { type Hub, PortInUseError, startHub } from './hub';

/** `--demo` / `--no-demo`, the last one given winning (`npm start` passes `--demo`, so `npm start -- --no-demo` turns it off). */
export function takeDemoFlag(argv: readonly string[]): { demo: boolean; hubArgv: string[] } {
  let demo = false;
  const hubArgv: string[] = [];
  for (const argument of argv) {
    if (argument === '--demo') demo = true;
    else if (argument === '--no-demo') demo = false;
    else hubArgv.push(argument);
  }
  return { demo, hubArgv };
}

/** The demo's admin token: the one given, else the one an earlier start kept, else a new one kept (0600) for the next start. */
function demoToken(config: HubConfig): string {
  if (config.adminToken) return config.adminToken;
  const file = demoPaths(config.stateDir).tokenFile;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = generateTokenSecret();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** `npm start -- [flags]`: runs the hub (and with `--demo` a demo fleet beside it) until SIGINT or SIGTERM. */
export async function main(argv: string[]): Promise<void> {
  const { demo, hubArgv } = takeDemoFlag(argv.slice(2));
  let config: HubConfig;
  try {
    config = loadHubConfig(hubArgv, process.env, process.stdout.isTTY === true);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`capstan hub: invalid configuration: ${error.message}\n`);
    process.exit(2);
  }
  if (demo) config = { ...config, adminToken: demoToken(config) };
  let hub: Hub;
  try {
    hub = await startHub(config);
  } catch (error) {
    // A taken port is the operator's to fix: one line naming the setting. Anything else is unexpected and keeps its stack.
    process.stderr.write(error instanceof PortInUseError ? `capstan hub: ${error.message}\n` : `capstan hub: could not start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
  const lines = [
    `Capstan hub ready: GraphQL API at ${hub.url}/graphql, agents' gRPC API on port ${hub.grpcPort}${config.grpcInsecure ? ' (insecure)' : ' (TLS)'}`,
    config.databaseUrl ? 'Database: PostgreSQL from DATABASE_URL' : `Database: embedded PostgreSQL (PGlite) in ${config.dataDir}`,
  ];
  if (hub.generatedAdminToken) {
    lines.push(`Admin API token (shown once, store it now): ${hub.generatedAdminToken}`, `  curl -H 'Authorization: Bearer ${hub.generatedAdminToken}' ${hub.url}/graphql -H 'Content-Type: application/json' -d '{"query":"{ whoami { name role } }"}'`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  const fleet = demo ? new DemoFleet({ stateDir: config.stateDir, hubUrl: hub.url, grpcPort: hub.grpcPort, grpcInsecure: config.grpcInsecure, token: config.adminToken as string }) : undefined;
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    (fleet?.stop() ?? Promise.resolve())
      .then(() => hub.close())
      .then(
        () => process.exit(code),
        (error: unknown) => {
          process.stderr.write(`capstan hub: error while stopping: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
  if (!fleet) return;
  process.stdout.write('Starting the demo fleet: three simulated clusters with their agents…\n');
  process.once('exit', () => fleet.killNow());
  try {
    const { notConverged } = await fleet.start();
    if (!stopping) process.stdout.write(demoBanner({ hubUrl: hub.url, token: config.adminToken as string, paths: fleet.paths, notConverged, cwd: process.cwd() }));
  } catch (error) {
    if (stopping) return;
    process.stderr.write(`capstan hub: the demo fleet could not start: ${(error as Error).message}\n`);
    stop(1);
  }
}
