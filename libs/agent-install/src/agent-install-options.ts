import { dns1123LabelError } from '@capstan/manifest';
import { imageReference } from '@capstan/policy';

/** What one cluster's agent install needs: who it is, how it reaches the hub, what it may manage. */
export interface AgentInstallOptions {
  /** The cluster's name; only labels the objects (the hub knows the cluster by its credential). */
  cluster: string;
  /** `host:port` of the hub's gRPC API, as agents reach it. */
  hubAddress: string;
  /** The one-time token from `createClusterRegistration`. */
  bootstrapToken: string;
  /** PEM of the hub's bundle-signing public key. */
  hubPublicKey: string;
  /** PEM CA of the hub's TLS certificate; without it the system's trusted CAs. */
  hubCertificateAuthority?: string;
  /** The hub serves gRPC without TLS (local use only): the agent dials it in the clear. */
  hubInsecure?: boolean;
  /** The agent image, pinned: `capstan/agent:0.1.0` (never `latest`). */
  image: string;
  /** The agent's namespace; default `capstan-system`. */
  namespace?: string;
  /** Narrows what the agent may manage; without it, everything. */
  access?: AgentAccess;
}

/** What a narrowed agent may manage: these resources, in these namespaces only. */
export interface AgentAccess {
  namespaces: string[];
  rules: AgentAccessRule[];
}

export interface AgentAccessRule {
  apiGroups: string[];
  resources: string[];
}

/** The options with defaults applied and the hub's port read from its address. */
export interface ResolvedAgentInstallOptions extends AgentInstallOptions {
  namespace: string;
  hubPort: number;
}

/** An install option with a wrong value; `field` names it (`hubAddress`, `access.namespaces[1]`). */
export class AgentInstallError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`agent install: ${field}: ${reason}`);
    this.name = 'AgentInstallError';
  }
}

export const defaultAgentNamespace = 'capstan-system';

// The hub's own rule for --public-grpc-address: a DNS name, an IPv4 address or a bracketed IPv6 address, then a port.
const hostAndPortPattern = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const pemPattern = (label: string) => new RegExp(`-----BEGIN ${label}-----[\\s\\S]+-----END ${label}-----`);

/** Checks every option, throwing an AgentInstallError naming the first wrong one, and applies defaults. */
export function resolveAgentInstallOptions(options: AgentInstallOptions): ResolvedAgentInstallOptions {
  const fail = (field: string, reason: string): never => {
    throw new AgentInstallError(field, reason);
  };
  if (typeof options.cluster !== 'string' || options.cluster.trim() === '') fail('cluster', 'required: the cluster\'s name');
  const address = hostAndPortPattern.exec(typeof options.hubAddress === 'string' ? options.hubAddress : '');
  const hubPort = Number(address?.[3]);
  if (!address || hubPort < 1 || hubPort > 65535) fail('hubAddress', `must be host:port as agents reach the hub, e.g. hub.example.com:4001, got ${JSON.stringify(options.hubAddress)}`);
  if (typeof options.bootstrapToken !== 'string' || options.bootstrapToken.trim() === '') fail('bootstrapToken', 'required: the token from createClusterRegistration');
  else if (/\s/.test(options.bootstrapToken)) fail('bootstrapToken', 'must not contain whitespace');
  if (typeof options.hubPublicKey !== 'string' || !pemPattern('PUBLIC KEY').test(options.hubPublicKey)) fail('hubPublicKey', 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
  if (options.hubCertificateAuthority !== undefined && !pemPattern('CERTIFICATE').test(options.hubCertificateAuthority)) {
    fail('hubCertificateAuthority', 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
  }
  checkImage(options.image, fail);
  const namespace = options.namespace ?? defaultAgentNamespace;
  const namespaceError = dns1123LabelError(namespace);
  if (namespaceError) fail('namespace', `${JSON.stringify(namespace)} ${namespaceError}`);
  if (options.access !== undefined) checkAccess(options.access, fail);
  return { ...options, namespace, hubPort };
}

function checkImage(image: string, fail: (field: string, reason: string) => never): void {
  if (typeof image !== 'string' || image.trim() === '') fail('image', 'required: the agent image, e.g. capstan/agent:0.1.0');
  const { tag, digest } = imageReference(image);
  // An unpinned image lets a node pull a different agent than the one the cluster was installed with.
  if (!digest && (tag === undefined || tag === 'latest')) fail('image', `must be pinned to a tag other than latest or a digest, got ${JSON.stringify(image)}`);
}

function checkAccess(access: AgentAccess, fail: (field: string, reason: string) => never): void {
  if (!Array.isArray(access.namespaces) || access.namespaces.length === 0) fail('access.namespaces', 'required: at least one namespace the agent may manage');
  const seen = new Set<string>();
  access.namespaces.forEach((namespace, index) => {
    const error = typeof namespace === 'string' ? dns1123LabelError(namespace) : 'must be a string';
    if (error) fail(`access.namespaces[${index}]`, `${JSON.stringify(namespace)} ${error}`);
    if (seen.has(namespace)) fail(`access.namespaces[${index}]`, `${JSON.stringify(namespace)} is listed twice`);
    seen.add(namespace);
  });
  if (!Array.isArray(access.rules) || access.rules.length === 0) fail('access.rules', 'required: at least one rule of apiGroups and resources');
  access.rules.forEach((rule, index) => {
    const field = `access.rules[${index}]`;
    // The core group is '', so an API group may be empty; a resource may not.
    if (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0 || !rule.apiGroups.every((group) => typeof group === 'string')) {
      fail(`${field}.apiGroups`, 'required: a list of API groups ("" is the core group)');
    }
    if (!Array.isArray(rule.resources) || rule.resources.length === 0 || !rule.resources.every((resource) => typeof resource === 'string' && resource !== '')) {
      fail(`${field}.resources`, 'required: a list of resource names, e.g. deployments');
    }
  });
}
