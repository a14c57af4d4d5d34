import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli-error';
import type { CliRuntime } from '../cli-runtime';
import { collectNodes, type Connection, connectionFields } from '../hub/connection-pages';
import type { ListView } from '../output/output';
import { formatAge, shortSha } from '../output/time';
import { hubCommand, onHub, withReason } from './hub-command';
import { integerAtLeast } from './option-parsers';

interface SourceSummary {
  name: string;
  url: string;
  ref: string;
  path: string;
  pollIntervalSeconds: number;
  lastCommitSha: string | null;
  lastFetchedAt: string | null;
  lastError: string | null;
}

const summaryFields = 'name url ref path pollIntervalSeconds lastCommitSha lastFetchedAt lastError';
const listSources = `query($first: Int, $after: String) { sources(first: $first, after: $after) { ${connectionFields(summaryFields)} } }`;
const createSource = `mutation($input: CreateSourceInput!, $reason: String) { createSource(input: $input, reason: $reason) { ${summaryFields} } }`;
const syncSource = `mutation($name: String!, $reason: String) { syncSource(name: $name, reason: $reason) { status commitSha error } }`;

const sourceList: ListView<SourceSummary> = {
  noun: 'sources',
  columns: [
    { header: 'name', value: (source) => source.name },
    { header: 'url', value: (source) => source.url },
    { header: 'ref', value: (source) => source.ref },
    { header: 'path', value: (source) => source.path },
    { header: 'commit', value: (source) => shortSha(source.lastCommitSha) },
    { header: 'fetched', value: (source) => formatAge(source.lastFetchedAt) },
    { header: 'error', value: (source) => source.lastError },
  ],
  name: (source) => source.name,
};

/** `capstan source add|list|sync`: the git repositories applications deploy from. */
export function registerSourceCommands(program: Command, runtime: CliRuntime): void {
  const source = program.command('source').description('git sources: a repository and the branch or tag to follow');

  withReason(
    hubCommand(source, 'add', 'add a git source (public, file:// or local path; credentials are not set by the CLI yet)')
      .argument('<name>', 'source name')
      .requiredOption('--url <url>', 'git URL: https://, git@host:repo, ssh://, file:// or a local path')
      .option('--ref <ref>', 'branch or tag to follow (hub default: main)')
      .option('--path <path>', 'folder in the repository that application paths are relative to')
      .option('--poll-interval <seconds>', 'how often the hub fetches', integerAtLeast('--poll-interval', 1)),
  ).action(
    onHub<{ url: string; ref?: string; path?: string; pollInterval?: number; reason?: string }>(runtime, async ({ client, out }, [name], { url, ref, path, pollInterval, reason }) => {
      const { createSource: created } = await client.request<{ createSource: SourceSummary }>(createSource, { input: { name, url, ref, path, pollIntervalSeconds: pollInterval }, reason });
      out.done(`Source ${created.name} added: ${created.url} at ${created.ref}.`, created, created.name);
    }),
  );

  hubCommand(source, 'list', 'list sources and how fetching them goes').action(
    onHub(runtime, async ({ client, out }) => {
      out.list(await collectNodes(client, listSources, {}, (data: { sources: Connection<SourceSummary> }) => data.sources), sourceList);
    }),
  );

  withReason(hubCommand(source, 'sync', 'fetch a source now and render a new commit').argument('<name>', 'source name')).action(
    onHub<{ reason?: string }>(runtime, async ({ client, out }, [name], { reason }) => {
      const { syncSource: sync } = await client.request<{ syncSource: { status: string; commitSha: string | null; error: string | null } }>(syncSource, { name, reason });
      if (sync.status === 'failed') throw new CliError(ExitCode.Unexpected, `source ${name}: sync failed: ${sync.error ?? 'no reason given'}`);
      const told = sync.status === 'synced' ? `synced: commit ${shortSha(sync.commitSha)} rendered` : `unchanged at ${shortSha(sync.commitSha)}`;
      out.done(`Source ${name} ${told}.`, sync, name);
    }),
  );
}
