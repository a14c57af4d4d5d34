import { CliError, ExitCode } from '../cli-error';
import { type CliConfig, unknownContext } from './config-store';

/** The hub a command talks to and the token it presents; `context` names where they came from (null: the environment alone). */
export interface HubTarget {
  hub: string;
  token: string;
  context: string | null;
}

/**
 * The hub and token for a command: CAPSTAN_HUB and CAPSTAN_TOKEN override those of the context
 * named by `--context`, else of the current context.
 */
export function resolveHubTarget(config: CliConfig, env: Readonly<Record<string, string | undefined>>, contextName?: string): HubTarget {
  const name = contextName ?? config.current;
  const context = name ? config.contexts[name] : undefined;
  if (contextName && !context) throw unknownContext(contextName, config);
  const hub = env['CAPSTAN_HUB'] || context?.hub;
  const token = env['CAPSTAN_TOKEN'] || context?.token;
  if (!hub) throw CliError.invalid('no hub to talk to: log in with capstan login --hub URL --token TOKEN, or set CAPSTAN_HUB');
  if (!token) throw new CliError(ExitCode.Unauthorized, `no API token for ${hub}: log in with capstan login --hub ${hub} --token TOKEN, or set CAPSTAN_TOKEN`);
  return { hub: normalizeHubUrl(hub), token, context: context ? (name ?? null) : null };
}

/** A hub URL as stored: `http(s)://host[:port][/prefix]`, without a trailing slash or `/graphql`. */
export function normalizeHubUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw CliError.invalid(`hub ${JSON.stringify(text)} is not a URL; give one such as http://127.0.0.1:4000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw CliError.invalid(`hub ${JSON.stringify(text)}: expected an http:// or https:// URL`);
  // Not echoed: the URL may hold a password.
  if (url.username || url.password || url.search || url.hash) throw CliError.invalid('the hub URL may not hold credentials, a query or a fragment; give the token with --token');
  const path = url.pathname.replace(/\/+$/, '').replace(/\/graphql$/, '');
  return `${url.protocol}//${url.host}${path}`;
}
