import { X509Certificate } from 'node:crypto';

/** What a cluster's agent needs to reach this hub and trust it. */
export interface AgentInstallation {
  cluster: string;
  /** host:port at which the agent reaches the hub's gRPC API. */
  hubAddress: string;
  /** The one-time bootstrap token. */
  token: string;
  /** PEM of the hub's bundle-signing public key. */
  hubPublicKey: string;
  /** PEM of the certificate authority to trust for the hub's TLS certificate; null trusts the system's. */
  certificateAuthority: string | null;
  /** The hub serves gRPC without TLS. */
  insecure: boolean;
}

/** `text` as a single-quoted argument of `printf '%b'`: one line, each newline written as \n. */
function printfArgument(what: string, text: string): string {
  // PEM is base64 between dashed lines; anything else could break out of the quotes or the format.
  if (!/^[A-Za-z0-9+/=\n -]+$/.test(text)) throw new Error(`${what} holds characters a PEM file does not`);
  return `'${text.replace(/\n/g, '\\n')}'`;
}

/**
 * The agent command line as `createClusterRegistration` returns it: one line of POSIX shell,
 * to paste where the cluster's kubeconfig is, that writes the hub's public key (and the CA of a
 * self-signed hub certificate) under ~/.capstan/agents/<cluster>/, keeps the cluster's
 * credential there, and runs the agent with the bootstrap token.
 */
export function agentInstallCommand(installation: AgentInstallation): string {
  const dir = `"$HOME/.capstan/agents/${installation.cluster}"`;
  const file = (name: string) => `${dir}/${name}`;
  const steps = [`mkdir -p ${dir}`, `printf '%b' ${printfArgument("the hub's public key", installation.hubPublicKey)} > ${file('hub.pub')}`];
  const trust = installation.insecure ? ['--insecure'] : installation.certificateAuthority ? ['--hub-ca', file('hub-ca.crt')] : [];
  if (!installation.insecure && installation.certificateAuthority) steps.push(`printf '%b' ${printfArgument("the hub's certificate", installation.certificateAuthority)} > ${file('hub-ca.crt')}`);
  const agent = [
    'npx capstan agent',
    `--hub ${installation.hubAddress}`,
    ...trust,
    `--hub-public-key ${file('hub.pub')}`,
    `--credential-file ${file('credential')}`,
    `--token '${installation.token}'`,
    '--kubeconfig "${KUBECONFIG:-$HOME/.kube/config}"',
  ];
  return [...steps, agent.join(' ')].join(' && ');
}

/** The hub's certificate when it signed itself (as the one made on first start does), for agents to trust; null when a CA issued it. */
export function selfSignedCertificate(pem: string): string | null {
  try {
    const certificate = new X509Certificate(pem);
    return certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey) ? certificate.toString() : null;
  } catch {
    return null;
  }
}

/** Where agents reach a hub listening on `host`: itself, or localhost when it listens on every address. */
export function defaultHubAddress(host: string, grpcPort: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  return `${reachable.includes(':') ? `[${reachable}]` : reachable}:${grpcPort}`;
}
