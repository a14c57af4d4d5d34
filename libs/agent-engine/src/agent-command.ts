import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Command, InvalidArgumentError } from 'commander';
import { Agent, defaultAgentOptions } from './agent';

/** The agent's settings as flags (and environment variables), shared by `capstan agent` and apps/agent. */
export function agentCommand(name = 'agent'): Command {
  return new Command(name)
    .description("run a cluster's agent: connect to the hub and keep the cluster on what git says")
    .requiredOption('--hub <host:port>', "the hub's gRPC address", process.env['CAPSTAN_HUB_GRPC_ADDRESS'])
    .option('--token <token>', 'one-time bootstrap token from createClusterRegistration (needed once)', process.env['CAPSTAN_BOOTSTRAP_TOKEN'])
    .option('--credential-file <file>', 'where the cluster credential is kept after registration', process.env['CAPSTAN_CREDENTIAL_FILE'] ?? '.capstan/agent-credential')
    .requiredOption('--hub-public-key <file>', "PEM file of the hub's bundle-signing public key", process.env['CAPSTAN_HUB_PUBLIC_KEY_FILE'])
    .option('--hub-ca <file>', "PEM file of the CA of the hub's TLS certificate", process.env['CAPSTAN_HUB_CA_FILE'])
    .option('--insecure', 'connect without TLS (local use only)', false)
    .option('--kubeconfig <file>', 'kubeconfig of the cluster; in-cluster configuration without it', process.env['KUBECONFIG'])
    .option('--context <name>', 'kubeconfig context')
    .option('--namespace <name>', "the agent's namespace, for its inventories", 'capstan-system')
    .option('--checksum-interval <seconds>', 'how often every managed object is read back and checked, whatever watch events said', (value) => positiveNumber('--checksum-interval', value), 300)
    .action(async (options: AgentFlags) => {
      const agent = createAgent(options);
      agent.on('synced', (application: string, changeSet: { entries: Array<{ subject: string; action: string }> }) =>
        process.stdout.write(`${application}: ${changeSet.entries.map((entry) => `${entry.subject} ${entry.action}`).join(', ') || 'nothing to do'}\n`),
      );
      agent.on('refused', (application: string, reason: string) => process.stderr.write(`${application}: refused: ${reason}\n`));
      agent.on('failed', (application: string, reason: string) => process.stderr.write(`${application}: failed: ${reason}\n`));
      agent.on('credentialRefused', (details: string, retryInMs: number) =>
        process.stderr.write(`the hub refused this cluster's credential: ${details} (trying again in ${Math.round(retryInMs / 1000)} s)\n`),
      );
      await agent.start();
      process.stdout.write(`agent connected to ${options.hub}\n`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await agent.stop();
    });
}

export interface AgentFlags {
  hub: string;
  token?: string;
  credentialFile: string;
  hubPublicKey: string;
  hubCa?: string;
  insecure: boolean;
  kubeconfig?: string;
  context?: string;
  namespace: string;
  checksumInterval: number;
}

function positiveNumber(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`${flag} must be a positive number of seconds, not "${value}"`);
  return number;
}

/** An agent from its flags: the credential file is read when present, and written after registration. */
export function createAgent(flags: AgentFlags): Agent {
  const credentialFile = resolve(flags.credentialFile);
  const credential = existsSync(credentialFile) ? readFileSync(credentialFile, 'utf8').trim() : undefined;
  if (!credential && !flags.token) throw new Error(`no credential in ${credentialFile}: pass --token with a bootstrap token from createClusterRegistration`);
  const kubeConfig = new KubeConfig();
  if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
  else kubeConfig.loadFromCluster();
  if (flags.context) kubeConfig.setCurrentContext(flags.context);
  return new Agent({
    ...defaultAgentOptions(),
    hub: { address: flags.hub, insecure: flags.insecure, certificateAuthority: flags.hubCa ? readFileSync(flags.hubCa, 'utf8') : undefined },
    hubPublicKey: readFileSync(flags.hubPublicKey, 'utf8'),
    credential,
    bootstrapToken: flags.token,
    onCredential: (obtained) => {
      mkdirSync(dirname(credentialFile), { recursive: true });
      writeFileSync(credentialFile, `${obtained}\n`, { mode: 0o600 });
    },
    kubeConfig,
    namespace: flags.namespace,
    checksumIntervalMs: flags.checksumInterval * 1000,
  });
}
