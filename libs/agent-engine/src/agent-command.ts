import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Command, InvalidArgumentError } from 'commander';
import { Agent, defaultAgentOptions } from './agent';
import { type CredentialStore, FileCredentialStore, SecretCredentialStore } from './credential-store';

/** The agent's settings as flags (and environment variables), shared by `capstan agent` and apps/agent. */
export function agentCommand(name = 'agent'): Command {
  const env = process.env;
  return new Command(name)
    .description("run a cluster's agent: connect to the hub and keep the cluster on what git says")
    .requiredOption('--hub <host:port>', "the hub's gRPC address", env['CAPSTAN_HUB_GRPC_ADDRESS'])
    .option('--token <token>', 'one-time bootstrap token from createClusterRegistration (needed once)', env['CAPSTAN_BOOTSTRAP_TOKEN'])
    .option('--credential-file <file>', 'where the cluster credential is kept after registration', env['CAPSTAN_CREDENTIAL_FILE'] ?? '.capstan/agent-credential')
    .option('--credential-secret <name>', "keep the credential in this Secret of the agent's namespace instead, reading the bootstrap token from it (the install bundle's way)", env['CAPSTAN_CREDENTIAL_SECRET'])
    .requiredOption('--hub-public-key <file>', "PEM file of the hub's bundle-signing public key", env['CAPSTAN_HUB_PUBLIC_KEY_FILE'])
    .option('--hub-ca <file>', "PEM file of the CA of the hub's TLS certificate", env['CAPSTAN_HUB_CA_FILE'])
    .option('--insecure', 'connect without TLS (local use only)', env['CAPSTAN_HUB_INSECURE'] === 'true')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster; in-cluster configuration without it', env['KUBECONFIG'])
    .option('--context <name>', 'kubeconfig context')
    .option('--in-cluster-root <dir>', "directory under which the pod's service-account files are read for in-cluster configuration", '')
    .option('--namespace <name>', "the agent's namespace, for its inventories", env['CAPSTAN_NAMESPACE'] ?? 'capstan-system')
    .option('--health-port <port>', 'serve /healthz and /readyz on this port (for probes)', (value) => port('--health-port', value), env['CAPSTAN_HEALTH_PORT'] ? port('CAPSTAN_HEALTH_PORT', env['CAPSTAN_HEALTH_PORT']) : undefined)
    .option('--checksum-interval <seconds>', 'how often every managed object is read back and checked, whatever watch events said', (value) => positiveNumber('--checksum-interval', value), 300)
    .action(async (options: AgentFlags) => {
      const agent = await createAgent(options);
      agent.on('synced', (application: string, changeSet: { entries: Array<{ subject: string; action: string }> }) =>
        process.stdout.write(`${application}: ${changeSet.entries.map((entry) => `${entry.subject} ${entry.action}`).join(', ') || 'nothing to do'}\n`),
      );
      agent.on('refused', (application: string, reason: string) => process.stderr.write(`${application}: refused: ${reason}\n`));
      agent.on('failed', (application: string, reason: string) => process.stderr.write(`${application}: failed: ${reason}\n`));
      agent.on('admissionDelivered', (changeSet: { entries: Array<{ subject: string; action: string }> }) => {
        const changes = changeSet.entries.filter((entry) => entry.action !== 'unchanged');
        if (changes.length > 0) process.stdout.write(`admission: ${changes.map((entry) => `${entry.subject} ${entry.action}`).join(', ')}\n`);
      });
      agent.on('admissionFailed', (reason: string) => process.stderr.write(`admission: ${reason}\n`));
      agent.on('credentialRefused', (details: string, retryInMs: number) =>
        process.stderr.write(`the hub refused this cluster's credential: ${details} (trying again in ${Math.round(retryInMs / 1000)} s)\n`),
      );
      // Probes answer from the start: liveness while the process runs, readiness once the hub has answered.
      const health = options.healthPort === undefined ? undefined : await serveHealth(options.healthPort, agent);
      await agent.start();
      process.stdout.write(`agent connected to ${options.hub}\n`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await agent.stop();
      health?.close();
    });
}

export interface AgentFlags {
  hub: string;
  token?: string;
  credentialFile: string;
  credentialSecret?: string;
  hubPublicKey: string;
  hubCa?: string;
  insecure: boolean;
  kubeconfig?: string;
  context?: string;
  inClusterRoot: string;
  namespace: string;
  healthPort?: number;
  checksumInterval: number;
}

function positiveNumber(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`${flag} must be a positive number of seconds, not "${value}"`);
  return number;
}

function port(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) throw new InvalidArgumentError(`${flag} must be a port number, not "${value}"`);
  return number;
}

function serveHealth(healthPort: number, agent: Agent): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://agent').pathname;
    const [status, body] = path === '/healthz' ? [200, 'ok'] : path === '/readyz' ? (agent.connected ? [200, 'ok'] : [503, 'not connected to the hub']) : [404, 'not found'];
    response.writeHead(status, { 'Content-Type': 'text/plain' }).end(`${body}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new Error(`--health-port ${healthPort} is already in use`) : error));
    server.listen(healthPort, () => resolve(server));
  });
}

/** An agent from its flags, with its credential read from where it is kept (and kept there after registration). */
export async function createAgent(flags: AgentFlags): Promise<Agent> {
  const kubeConfig = new KubeConfig();
  if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
  else kubeConfig.loadFromCluster(flags.inClusterRoot ? resolve(flags.inClusterRoot) : '');
  if (flags.context) kubeConfig.setCurrentContext(flags.context);
  const store: CredentialStore = flags.credentialSecret ? new SecretCredentialStore(kubeConfig, flags.namespace, flags.credentialSecret) : new FileCredentialStore(flags.credentialFile);
  const stored = await store.read();
  const bootstrapToken = flags.token ?? stored.bootstrapToken;
  if (!stored.credential && !bootstrapToken) throw new Error(`no credential in ${store.location}: pass --token with a bootstrap token from createClusterRegistration`);
  return new Agent({
    ...defaultAgentOptions(),
    hub: { address: flags.hub, insecure: flags.insecure, certificateAuthority: flags.hubCa ? readFileSync(flags.hubCa, 'utf8') : undefined },
    hubPublicKey: readFileSync(flags.hubPublicKey, 'utf8'),
    credential: stored.credential,
    bootstrapToken,
    onCredential: (obtained) => store.keep(obtained),
    kubeConfig,
    namespace: flags.namespace,
    checksumIntervalMs: flags.checksumInterval * 1000,
  });
}
