import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from '../cli-error';
import type { CliRuntime } from '../cli-runtime';
import { collectNodes, type Connection, connectionFields } from '../hub/connection-pages';
import type { ItemView, ListView } from '../output/output';
import { type Column, formatFields, formatSection } from '../output/table';
import { formatAge, formatTime, shortSha } from '../output/time';
import { hubCommand, onHub, withReason } from './hub-command';
import { integerAtLeast } from './option-parsers';
import { readYamlObject } from './yaml-file';

interface Target {
  group: string;
  overlayPath?: string;
}

interface ApplicationSummary {
  name: string;
  source: string;
  basePath: string;
  syncPolicy: string;
  healPolicy: string;
  prune: boolean;
  targets: Array<Required<Target>>;
  currentRevision: { commitSha: string; status: string } | null;
}

interface ApplicationDetails extends ApplicationSummary {
  createdAt: string;
  rolloutStrategy: { stages: Array<{ name: string }> } | null;
  clusters: Array<{ cluster: string; syncState: string; health: string; revision: string | null; reportedAt: string }>;
}

/** A revision as `app history` lists it. */
export interface RevisionRow {
  id: string;
  commitSha: string;
  status: string;
  blockedClusters: string[];
  message: string;
  createdAt: string;
  error: string | null;
  rejectedAt: string | null;
}

const summaryFields = 'name source basePath syncPolicy healPolicy prune targets { group overlayPath } currentRevision { commitSha status }';
const listApplications = `query($first: Int, $after: String) { applications(first: $first, after: $after) { ${connectionFields(summaryFields)} } }`;
const getApplication = `query($name: String!) { application(name: $name) { ${summaryFields} createdAt rolloutStrategy { stages { name } } clusters { cluster syncState health revision reportedAt } } }`;
const revisionDiff = `query($application: String!, $cluster: String!, $from: String!, $to: String!) { revisionDiff(application: $application, cluster: $cluster, from: $from, to: $to) { subject change patch } }`;
const syncCluster = `mutation($cluster: String!, $application: String, $reason: String) { sync(cluster: $cluster, application: $application, reason: $reason) }`;
const applicationClusters = `query($name: String!) { application(name: $name) { currentRevision { commitSha } clusters { cluster } } }`;
const createApplication = `mutation($input: CreateApplicationInput!, $reason: String) { createApplication(input: $input, reason: $reason) { ${summaryFields} } }`;
export const listRevisions = `query($application: String!, $first: Int, $after: String) { revisions(application: $application, first: $first, after: $after) {
  ${connectionFields('id commitSha status blockedClusters message createdAt error rejectedAt')} } }`;

/** `GROUP` or `GROUP:OVERLAY`: a target group and the overlay directory (relative to the source path) rendered for it. */
export function parseTarget(text: string, targets: Target[] = []): Target[] {
  const colon = text.indexOf(':');
  const group = colon < 0 ? text : text.slice(0, colon);
  const overlayPath = colon < 0 ? undefined : text.slice(colon + 1);
  if (!group || overlayPath === '') throw new InvalidArgumentError(`--target expects GROUP or GROUP:OVERLAY, got ${JSON.stringify(text)}`);
  return [...targets, overlayPath === undefined ? { group } : { group, overlayPath }];
}

const formatTargets = (targets: ApplicationSummary['targets']) => targets.map((target) => (target.overlayPath ? `${target.group}:${target.overlayPath}` : target.group)).join(',');

const applicationList: ListView<ApplicationSummary> = {
  noun: 'applications',
  columns: [
    { header: 'name', value: (app) => app.name },
    { header: 'source', value: (app) => app.source },
    { header: 'path', value: (app) => app.basePath },
    { header: 'targets', value: (app) => formatTargets(app.targets) },
    { header: 'sync', value: (app) => app.syncPolicy },
    { header: 'heal', value: (app) => app.healPolicy },
    { header: 'revision', value: (app) => (app.currentRevision ? shortSha(app.currentRevision.commitSha) : null) },
  ],
  name: (app) => app.name,
};

const revisionStatus = (revision: RevisionRow) => (revision.rejectedAt ? 'rejected' : revision.status);

export const revisionColumns: ReadonlyArray<Column<RevisionRow>> = [
  { header: 'revision', value: (revision) => revision.id },
  { header: 'commit', value: (revision) => shortSha(revision.commitSha) },
  { header: 'status', value: revisionStatus, state: true },
  { header: 'blocked clusters', value: (revision) => revision.blockedClusters.join(',') },
  { header: 'created', value: (revision) => formatAge(revision.createdAt) },
  { header: 'message', value: (revision) => revision.error ?? revision.message.split('\n')[0] },
];

const applicationDescription: ItemView<ApplicationDetails> = {
  name: (app) => app.name,
  describe: (app, style) =>
    formatFields(
      [
        ['Name', app.name],
        ['Source', `${app.source}, path ${app.basePath}`],
        ['Targets', formatTargets(app.targets)],
        ['Sync policy', app.syncPolicy],
        ['Heal policy', app.healPolicy],
        ['Prune', app.prune ? 'yes' : 'no'],
        ['Rollout', app.rolloutStrategy ? `in stages: ${app.rolloutStrategy.stages.map((stage) => stage.name).join(', ')}` : 'everywhere at once'],
        ['Revision', app.currentRevision ? `${shortSha(app.currentRevision.commitSha)} (${app.currentRevision.status})` : 'none yet'],
        ['Created', formatTime(app.createdAt)],
      ],
      style,
    ) +
    formatSection('Clusters', app.clusters, [
      { header: 'cluster', value: (status) => status.cluster },
      { header: 'sync', value: (status) => status.syncState, state: true },
      { header: 'health', value: (status) => status.health, state: true },
      { header: 'commit', value: (status) => shortSha(status.revision) },
      { header: 'reported', value: (status) => formatAge(status.reportedAt) },
    ], style),
};

/** `capstan app create|list|get|diff|sync|history`: what to deploy from which source, and to which groups. */
export function registerAppCommands(program: Command, runtime: CliRuntime): void {
  const app = program.command('app').description('applications: a source path deployed to cluster groups');

  withReason(
    hubCommand(app, 'create', 'create an application')
      .argument('<name>', 'application name')
      .requiredOption('--source <source>', 'source name')
      .requiredOption('--path <path>', 'base directory in the source')
      .requiredOption('--target <group[:overlay]>', 'a cluster group to deploy to, and the overlay rendered for it (repeatable)', parseTarget)
      .addOption(new Option('--sync-policy <policy>', 'auto applies each new revision; manual waits for a rollout').choices(['auto', 'manual']))
      .addOption(new Option('--heal-policy <policy>', 'what drift gets').choices(['auto', 'approve', 'alert']))
      .option('--prune', 'delete objects that left git')
      .option('--strategy-file <file>', 'roll new revisions out in stages: a rolloutStrategy as YAML or JSON ({ stages: [{ name, groups, selector, minBakeTimeSeconds, … }], onFailure }; - for stdin)'),
  ).action(
    onHub<{ source: string; path: string; target: Target[]; syncPolicy?: string; healPolicy?: string; prune?: boolean; strategyFile?: string; reason?: string }>(runtime, async ({ client, out }, [name], options) => {
      const rolloutStrategy = options.strategyFile ? readYamlObject(options.strategyFile, 'a rollout strategy { stages, onFailure, … }') : undefined;
      const input = { name, source: options.source, basePath: options.path, targets: options.target, syncPolicy: options.syncPolicy, healPolicy: options.healPolicy, prune: options.prune, rolloutStrategy };
      const { createApplication: created } = await client.request<{ createApplication: ApplicationSummary }>(createApplication, { input, reason: options.reason });
      out.done(`Application ${created.name} created: ${created.source}/${created.basePath} to ${formatTargets(created.targets)}.`, created, created.name);
    }),
  );

  hubCommand(app, 'list', 'list applications').action(
    onHub(runtime, async ({ client, out }) => {
      out.list(await collectNodes(client, listApplications, {}, (data: { applications: Connection<ApplicationSummary> }) => data.applications), applicationList);
    }),
  );

  hubCommand(app, 'get', 'show an application and what its clusters run')
    .argument('<name>', 'application name')
    .action(
      onHub(runtime, async ({ client, out }, [name]) => {
        out.item((await client.request<{ application: ApplicationDetails }>(getApplication, { name })).application, applicationDescription);
      }),
    );

  hubCommand(app, 'diff', 'show, object by object, how what a cluster runs differs between two revisions (unified diffs)')
    .argument('<name>', 'application name')
    .requiredOption('--cluster <cluster>', 'the cluster whose bundles are compared')
    .requiredOption('--from <commit>', 'commit sha (at least 7 characters) of the older revision')
    .option('--to <commit>', 'commit sha of the newer revision (default: the current one)')
    .action(
      onHub<{ cluster: string; from: string; to?: string }>(runtime, async ({ client, out }, [name], { cluster, from, to }) => {
        const current = to ?? (await client.request<{ application: { currentRevision: { commitSha: string } | null } }>(applicationClusters, { name })).application.currentRevision?.commitSha;
        if (!current) throw CliError.invalid(`application ${name} has no current revision: give --to`);
        const { revisionDiff: changes } = await client.request<{ revisionDiff: Array<{ subject: string; change: string; patch: string }> }>(revisionDiff, { application: name, cluster, from, to: current });
        const text = changes.length === 0 ? `No object of ${name} differs on ${cluster} between ${shortSha(from)} and ${shortSha(current)}.` : changes.map((change) => change.patch.trimEnd()).join('\n');
        out.done(text, changes, changes.map((change) => change.subject).join('\n'));
      }),
    );

  withReason(
    hubCommand(app, 'sync', "re-apply an application from scratch on its clusters (or one): each agent applies its bundle afresh")
      .argument('<name>', 'application name')
      .option('--cluster <cluster>', 'only on this cluster'),
  ).action(
    onHub<{ cluster?: string; reason?: string }>(runtime, async ({ client, out }, [name], { cluster, reason }) => {
      const clusters = cluster ? [cluster] : (await client.request<{ application: { clusters: Array<{ cluster: string }> } }>(applicationClusters, { name })).application.clusters.map((status) => status.cluster);
      for (const each of clusters) await client.request(syncCluster, { cluster: each, application: name, reason });
      out.done(clusters.length === 0 ? `Application ${name} runs on no cluster yet.` : `Sync of ${name} sent to ${clusters.join(', ')}.`, { application: name, clusters }, clusters.join('\n'));
    }),
  );

  hubCommand(app, 'history', "list an application's revisions, newest first: commit, status and the clusters a policy kept them from")
    .argument('<name>', 'application name')
    .option('--limit <n>', 'at most this many', integerAtLeast('--limit', 1), 50)
    .action(
      onHub<{ limit: number }>(runtime, async ({ client, out }, [name], { limit }) => {
        const revisions = await collectNodes(client, listRevisions, { application: name }, (data: { revisions: Connection<RevisionRow> }) => data.revisions, limit);
        out.list(revisions, { noun: `revisions of ${name}`, columns: revisionColumns, name: (revision) => revision.id });
      }),
    );
}
