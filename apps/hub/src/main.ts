import { ConfigError, loadHubConfig } from './config/hub-config';
import { type Hub, PortInUseError, startHub } from './hub';

/** `npm start -- [flags]`: runs the hub until SIGINT or SIGTERM. */
export async function main(argv: string[]): Promise<void> {
  let config;
  try {
    config = loadHubConfig(argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`capstan hub: invalid configuration: ${error.message}\n`);
    process.exit(2);
  }
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
  const stop = () => {
    hub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`capstan hub: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
