import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];
export const logFormats = ['pretty', 'json'] as const;
export type LogFormat = (typeof logFormats)[number];

/** Everything the hub needs to start, validated. */
export interface HubConfig {
  host: string;
  port: number;
  /** Port of the agents' gRPC API. */
  grpcPort: number;
  /** Serve the agents' gRPC API without TLS (local use only). */
  grpcInsecure: boolean;
  /** host:port at which agents reach the gRPC API, for the agent command; by default this host and the gRPC port it serves. */
  publicGrpcAddress?: string;
  /** The agent image `createClusterRegistration`'s install manifests run; default `defaultAgentImage`. */
  agentImage?: string;
  /** Where the hub keeps its files: git mirrors, the secret key file, and by default the embedded database. */
  stateDir: string;
  /** Embedded database directory, used when `databaseUrl` is absent; null keeps it in memory (tests). */
  dataDir: string | null;
  databaseUrl?: string;
  /** A fixed admin token to ensure at start, instead of generating one. */
  adminToken?: string;
  /** Base64 of the 32-byte key sealing stored secrets; without it a key file in `stateDir` is used. */
  secretKey?: string;
  logLevel: LogLevel;
  /** `pretty`: human-readable lines (the default on a terminal); `json` (or absent): JSON lines. */
  logFormat?: LogFormat;
}

/** A setting with a wrong value; the message names the setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

interface Setting<T> {
  flag: string;
  env: string;
  description: string;
  parse: (raw: string) => T;
}

function integerIn(min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return Number(raw);
  };
}

function postgresUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgumentError('must be a URL such as postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InvalidArgumentError(`must be a postgres:// or postgresql:// URL, got "${url.protocol}"`);
  }
  return raw;
}

function adminToken(raw: string): string {
  if (raw.length < 24 || !/^[A-Za-z0-9_\-.]+$/.test(raw)) {
    throw new InvalidArgumentError('must be at least 24 characters of letters, digits, "_", "-" or "."');
  }
  return raw;
}

/** `host:port`, with a DNS name, an IPv4 address or a bracketed IPv6 address. */
function hostAndPort(raw: string): string {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(raw);
  if (!match || Number(match[3]) < 1 || Number(match[3]) > 65535) throw new InvalidArgumentError(`must be host:port as agents reach the hub, e.g. hub.example.com:4001, got "${raw}"`);
  return raw;
}

function pinnedImage(raw: string): string {
  const tag = /^[^@\s]+?(?::([\w][\w.-]{0,127}))?(@sha256:[0-9a-f]{64})?$/.exec(raw);
  if (!tag || (!tag[1] && !tag[2]) || tag[1] === 'latest') throw new InvalidArgumentError(`must be an image pinned to a version tag (not latest) or a digest, e.g. capstan/agent:0.1.0, got "${raw}"`);
  return raw;
}

function secretKey(raw: string): string {
  if (Buffer.from(raw, 'base64').length !== 32) throw new InvalidArgumentError('must be 32 bytes in base64, e.g. the output of `openssl rand -base64 32`');
  return raw;
}

function boolean(raw: string): boolean {
  if (raw !== 'true' && raw !== 'false') throw new InvalidArgumentError(`must be true or false, got "${raw}"`);
  return raw === 'true';
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): T => {
    if (!values.includes(raw as T)) throw new InvalidArgumentError(`must be one of ${values.join(', ')}, got "${raw}"`);
    return raw as T;
  };
}

export const hubSettings = {
  host: { flag: '--host <address>', env: 'CAPSTAN_HOST', description: 'address to listen on', parse: (raw: string) => raw },
  port: { flag: '--port <port>', env: 'CAPSTAN_PORT', description: 'HTTP port of the GraphQL API (0 picks a free one)', parse: integerIn(0, 65535) },
  grpcPort: { flag: '--grpc-port <port>', env: 'CAPSTAN_GRPC_PORT', description: 'gRPC port agents connect to (0 picks a free one)', parse: integerIn(0, 65535) },
  grpcInsecure: { flag: '--grpc-insecure <true|false>', env: 'CAPSTAN_GRPC_INSECURE', description: 'serve gRPC without TLS', parse: boolean },
  publicGrpcAddress: { flag: '--public-grpc-address <host:port>', env: 'CAPSTAN_PUBLIC_GRPC_ADDRESS', description: 'address agents reach the gRPC API at, for the agent command', parse: hostAndPort },
  agentImage: { flag: '--agent-image <image>', env: 'CAPSTAN_AGENT_IMAGE', description: "the agent image the install manifests run, pinned to a tag or digest", parse: pinnedImage },
  stateDir: { flag: '--state-dir <dir>', env: 'CAPSTAN_STATE_DIR', description: 'directory for git mirrors and the secret key file', parse: (raw: string) => resolve(raw) },
  dataDir: { flag: '--data-dir <dir>', env: 'CAPSTAN_DATA_DIR', description: 'embedded database directory (default <state-dir>/data)', parse: (raw: string) => resolve(raw) },
  databaseUrl: { flag: '--database-url <url>', env: 'DATABASE_URL', description: 'PostgreSQL to use instead of the embedded database', parse: postgresUrl },
  adminToken: { flag: '--admin-token <token>', env: 'CAPSTAN_ADMIN_TOKEN', description: 'admin API token to ensure at start', parse: adminToken },
  secretKey: { flag: '--secret-key <base64>', env: 'CAPSTAN_SECRET_KEY', description: 'key sealing stored secrets', parse: secretKey },
  logLevel: { flag: '--log-level <level>', env: 'CAPSTAN_LOG_LEVEL', description: 'log level', parse: oneOf(logLevels) },
  logFormat: { flag: '--log-format <format>', env: 'CAPSTAN_LOG_FORMAT', description: 'pretty or json (default: pretty on a terminal)', parse: oneOf(logFormats) },
} satisfies Record<keyof HubConfig, Setting<unknown>>;

/** The agent image of this release, built from deploy/docker/agent.Dockerfile. */
export const defaultAgentImage = 'capstan/agent:0.1.0';

const defaults = { agentImage: defaultAgentImage, host: '0.0.0.0', port: 4000, grpcPort: 4001, stateDir: resolve('.capstan'), logLevel: 'info' as LogLevel };

/**
 * Reads the hub's settings from flags, then environment, then defaults. A wrong value throws a
 * ConfigError naming the flag or variable it came from. `terminal`: whether logs go to a terminal.
 */
export function loadHubConfig(argv: readonly string[], env: Env, terminal = false): HubConfig {
  const program = new Command('capstan-hub').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  for (const setting of Object.values(hubSettings)) program.option(setting.flag, `${setting.description} (env ${setting.env})`);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    throw new ConfigError((error as Error).message.replace(/^error: /, ''));
  }
  const flags = program.opts<Record<string, string | undefined>>();
  const read = <K extends keyof typeof hubSettings>(key: K): ReturnType<(typeof hubSettings)[K]['parse']> | undefined => {
    const setting = hubSettings[key];
    const fromFlag = flags[key];
    const raw = fromFlag ?? (env[setting.env] === '' ? undefined : env[setting.env]);
    if (raw === undefined) return undefined;
    try {
      return setting.parse(raw) as ReturnType<(typeof hubSettings)[K]['parse']>;
    } catch (error) {
      const source = fromFlag !== undefined ? setting.flag.split(' ')[0] : setting.env;
      throw new ConfigError(`${source}: ${(error as Error).message}`);
    }
  };
  const stateDir = read('stateDir') ?? defaults.stateDir;
  return {
    host: read('host') ?? defaults.host,
    port: read('port') ?? defaults.port,
    grpcPort: read('grpcPort') ?? defaults.grpcPort,
    grpcInsecure: read('grpcInsecure') ?? false,
    publicGrpcAddress: read('publicGrpcAddress'),
    agentImage: read('agentImage') ?? defaults.agentImage,
    stateDir,
    dataDir: read('dataDir') ?? join(stateDir, 'data'),
    databaseUrl: read('databaseUrl'),
    adminToken: read('adminToken'),
    secretKey: read('secretKey'),
    logLevel: read('logLevel') ?? defaults.logLevel,
    logFormat: read('logFormat') ?? (terminal ? 'pretty' : 'json'),
  };
}
