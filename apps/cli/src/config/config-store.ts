import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { CliError, ExitCode } from '../cli-error';

/** One hub and the API token to reach it with, as kubectl keeps a cluster and its credentials. */
export interface HubContext {
  hub: string;
  token: string;
}

/** What `~/.config/capstan/config.json` holds. */
export interface CliConfig {
  current: string | null;
  contexts: Record<string, HubContext>;
}

const fileMode = 0o600;
const directoryMode = 0o700;

/** `$XDG_CONFIG_HOME/capstan/config.json`, else `~/.config/capstan/config.json` (a relative XDG_CONFIG_HOME is ignored, as the spec says). */
export function configFilePath(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg && isAbsolute(xdg) ? xdg : join(env['HOME'] || homedir(), '.config');
  return join(base, 'capstan', 'config.json');
}

function isContext(value: unknown): value is HubContext {
  return typeof value === 'object' && value !== null && typeof (value as HubContext).hub === 'string' && typeof (value as HubContext).token === 'string';
}

/** The CLI's contexts in one JSON file only its owner may read: the file 0600, its directory 0700. */
export class ConfigStore {
  constructor(readonly file: string) {}

  read(): CliConfig {
    if (!existsSync(this.file)) return { current: null, contexts: {} };
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (error) {
      throw new CliError(ExitCode.Unexpected, `${this.file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const { current, contexts } = (parsed ?? {}) as Partial<CliConfig>;
    const valid = Object.entries(typeof contexts === 'object' && contexts !== null ? contexts : {}).filter(([, context]) => isContext(context));
    return { current: typeof current === 'string' ? current : null, contexts: Object.fromEntries(valid.map(([name, context]) => [name, { hub: context.hub, token: context.token }])) };
  }

  /** Adds or replaces the context `name` and makes it the current one. */
  saveContext(name: string, context: HubContext): void {
    const config = this.read();
    this.write({ current: name, contexts: { ...config.contexts, [name]: context } });
  }

  /** Makes `name` the current context. */
  useContext(name: string): void {
    const config = this.read();
    if (!config.contexts[name]) throw unknownContext(name, config);
    this.write({ ...config, current: name });
  }

  // Written to a temporary file and renamed, so a crash leaves the old file whole; modes are set explicitly, whatever the umask.
  private write(config: CliConfig): void {
    const directory = dirname(this.file);
    mkdirSync(directory, { recursive: true, mode: directoryMode });
    chmodSync(directory, directoryMode);
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: fileMode });
    chmodSync(temporary, fileMode);
    renameSync(temporary, this.file);
  }
}

export function unknownContext(name: string, config: CliConfig): CliError {
  const known = Object.keys(config.contexts);
  return new CliError(ExitCode.NotFound, `context "${name}" not found; ${known.length ? `known contexts: ${known.join(', ')}` : 'log in first with capstan login --hub URL --token TOKEN'}`);
}
