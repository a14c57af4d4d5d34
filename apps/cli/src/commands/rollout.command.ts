import { setTimeout as delay } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import { finishedRolloutStates, type RolloutState, rolloutStates } from '@capstan/rollout';
import { CliError, ExitCode } from '../cli-error';
import { type CliRuntime, watchInterruption } from '../cli-runtime';
import { collectNodes, type Connection, connectionFields } from '../hub/connection-pages';
import type { ItemView, ListView } from '../output/output';
import { formatFields, formatSection } from '../output/table';
import { formatAge, formatTime, shortSha } from '../output/time';
import { listRevisions, type RevisionRow } from './app.command';
import { type HubSession, hubCommand, onHub } from './hub-command';
import { integerAtLeast } from './option-parsers';

interface RolloutCluster {
  cluster: string;
  state: string;
  reason: string;
}

interface RolloutStage {
  name: string;
  state: string;
  batches: Array<{ index: number; state: string; clusters: RolloutCluster[] }>;
}

/** A rollout as the CLI reads it; `rollout list` reads the same but its stages. */
export interface Rollout {
  id: string;
  application: string;
  revision: string;
  commitSha: string;
  state: RolloutState;
  reason: string;
  rollback: boolean;
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
  startReason: string;
  /** Clusters an enforce policy kept from the revision: they run what they ran. Only `rollout status` reads it. */
  blockedClusters?: string[];
  gate: { kind: string; stage: string; until: string | null } | null;
  progress: { total: number; pending: number; updating: number; baking: number; succeeded: number; failed: number; timedOut: number; skipped: number; rolledBack: number };
  stages: RolloutStage[];
}

const listFields = 'id application revision commitSha state reason rollback startedAt finishedAt startedBy gate { kind stage until } progress { total pending updating baking succeeded failed timedOut skipped rolledBack }';
const rolloutFields = `${listFields} startReason blockedClusters stages { name state batches { index state clusters { cluster state reason } } }`;
const listRollouts = `query($application: String, $state: String, $first: Int, $after: String) { rollouts(application: $application, state: $state, first: $first, after: $after) { ${connectionFields(listFields)} } }`;
const getRollout = `query($id: ID!) { rollout(id: $id) { ${rolloutFields} } }`;
const followRollout = `subscription($id: ID) { rolloutChanged(id: $id) { ${rolloutFields} } }`;
const rollbackApplication = `mutation($application: String!, $toRevision: ID!, $reason: String!, $immediate: Boolean!) { rollback(application: $application, toRevision: $toRevision, reason: $reason, immediate: $immediate) { ${rolloutFields} } }`;

/**
 * The id of the rollout of `application`'s newest revision; a revision just rendered may get its
 * rollout a moment later, so it is looked for again until `waitMs` passed.
 */
async function newestRevisionRollout({ client }: HubSession, application: string, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [revision] = (await client.request<{ revisions: Connection<RevisionRow> }>(listRevisions, { application, first: 1 })).revisions.edges.map((edge) => edge.node);
    if (!revision) throw new CliError(ExitCode.NotFound, `application ${application} has no revision yet`);
    if (revision.status === 'failed') throw new CliError(ExitCode.NotFound, `the newest revision of ${application} (${shortSha(revision.commitSha)}) failed to render: ${revision.error}`);
    const rollouts = (await client.request<{ rollouts: Connection<Rollout> }>(listRollouts, { application, first: 20 })).rollouts.edges.map((edge) => edge.node);
    const rollout = rollouts.find((candidate) => candidate.revision === revision.id && !candidate.rollback);
    if (rollout) return rollout.id;
    if (Date.now() >= deadline) throw new CliError(ExitCode.NotFound, `the newest revision of ${application} (${shortSha(revision.commitSha)}) has no rollout${waitMs ? ` after ${waitMs / 1000} s` : ''}: under sync policy manual it waits for startRollout`);
    await delay(500);
  }
}

/** Each stage's clusters by outcome: `canary Succeeded 1/1`, `prod Progressing 2/5 (1 failed)`. */
export function stageProgress(stage: RolloutStage): string {
  const clusters = stage.batches.flatMap((batch) => batch.clusters);
  const count = (...states: string[]) => clusters.filter((cluster) => states.includes(cluster.state)).length;
  const others = [
    [count('Updating', 'Baking'), 'in progress'],
    [count('Failed', 'TimedOut'), 'failed'],
    [count('Skipped'), 'skipped'],
    [count('RolledBack'), 'rolled back'],
  ].filter(([n]) => n) as Array<[number, string]>;
  return `${stage.name} ${stage.state} ${count('Succeeded')}/${clusters.length}${others.length ? ` (${others.map(([n, what]) => `${n} ${what}`).join(', ')})` : ''}`;
}

const gateText = (gate: Rollout['gate']) => (gate ? `waiting on ${gate.kind} of stage ${gate.stage}${gate.until ? ` until ${gate.until}` : ''}` : '');

/** One line for a rollout's state and per-stage progress, as `rollout status --watch` prints each change. */
export function rolloutLine(rollout: Rollout): string {
  return [`${rollout.state}${rollout.reason ? ` (${rollout.reason})` : ''}`, rollout.stages.map(stageProgress).join(' | '), gateText(rollout.gate)].filter(Boolean).join('  ');
}

const progressText = (progress: Rollout['progress']) =>
  `${progress.succeeded}/${progress.total}${progress.failed + progress.timedOut ? ` (${progress.failed + progress.timedOut} failed)` : ''}`;

const rolloutList: ListView<Rollout> = {
  noun: 'rollouts',
  columns: [
    { header: 'id', value: (rollout) => rollout.id },
    { header: 'application', value: (rollout) => rollout.application },
    { header: 'commit', value: (rollout) => `${shortSha(rollout.commitSha)}${rollout.rollback ? ' (rollback)' : ''}` },
    { header: 'state', value: (rollout) => rollout.state, state: true },
    { header: 'progress', value: (rollout) => progressText(rollout.progress) },
    { header: 'gate', value: (rollout) => (rollout.gate ? `${rollout.gate.kind} ${rollout.gate.stage}` : null) },
    { header: 'started', value: (rollout) => formatAge(rollout.startedAt) },
  ],
  name: (rollout) => rollout.id,
};

const rolloutDescription: ItemView<Rollout> = {
  name: (rollout) => rollout.id,
  describe: (rollout, style) =>
    formatFields(
      [
        ['Rollout', rollout.id],
        ['Application', rollout.application],
        ['Revision', `${rollout.revision} (commit ${shortSha(rollout.commitSha)})${rollout.rollback ? ', a rollback' : ''}`],
        ['State', rollout.state, true],
        ['Reason', rollout.reason],
        ['Gate', gateText(rollout.gate)],
        ['Progress', `${progressText(rollout.progress)} succeeded, ${rollout.progress.skipped} skipped, ${rollout.progress.pending} pending`],
        ['Blocked', rollout.blockedClusters?.length ? `${rollout.blockedClusters.join(', ')}: kept from this revision by an enforce policy (why: capstan events --type policy.blocked)` : '-'],
        ['Started', `${formatTime(rollout.startedAt)} by ${rollout.startedBy}${rollout.startReason ? `: ${rollout.startReason}` : ''}`],
        ['Finished', formatTime(rollout.finishedAt)],
      ],
      style,
    ) +
    formatSection('Stages', rollout.stages, [
      { header: 'stage', value: (stage) => stage.name },
      { header: 'state', value: (stage) => stage.state, state: true },
      { header: 'progress', value: (stage) => stageProgress(stage).slice(stage.name.length + stage.state.length + 2) },
    ], style) +
    formatSection('Clusters', rollout.stages.flatMap((stage) => stage.batches.flatMap((batch) => batch.clusters.map((cluster) => ({ ...cluster, stage: stage.name, batch: batch.index })))), [
      { header: 'cluster', value: (cluster) => cluster.cluster },
      { header: 'stage', value: (cluster) => `${cluster.stage} #${cluster.batch + 1}` },
      { header: 'state', value: (cluster) => cluster.state, state: true },
      { header: 'reason', value: (cluster) => cluster.reason },
    ], style),
};

/**
 * Prints the rollout now and at each change until it ends; resolves when it succeeded, throws
 * exit code 7 when it ended otherwise. The subscription hears only changes made once the hub has
 * registered it, so the rollout is also read every `pollMs` (only printed when something changed).
 */
export async function watchRollout({ client, out, runtime }: HubSession, id: string, pollMs = 5_000): Promise<void> {
  const interruption = watchInterruption(runtime);
  const stop = new AbortController();
  const stopWatching = () => stop.abort();
  interruption.signal.addEventListener('abort', stopWatching, { once: true });
  let lastPrinted = '';
  let heard = 0;
  let finished: Rollout | undefined;
  const failures: unknown[] = [];
  const consider = (rollout: Rollout): boolean => {
    const line = rolloutLine(rollout);
    const key = out.format === 'table' ? line : JSON.stringify(rollout);
    if (key !== lastPrinted && !finished) {
      lastPrinted = key;
      out.step(`${new Date().toISOString().slice(11, 19)}  ${line}`, rollout, rollout.state);
    }
    if (!finishedRolloutStates.has(rollout.state)) return false;
    finished ??= rollout;
    stop.abort();
    return true;
  };
  const fail = (error: unknown) => {
    failures.push(error);
    stop.abort();
  };
  const following = client
    .subscribe<{ rolloutChanged: Rollout }>(followRollout, { id }, (data) => {
      heard += 1;
      return consider(data.rolloutChanged);
    }, stop.signal)
    .catch(fail);
  const polling = (async () => {
    while (!stop.signal.aborted) {
      const before = heard;
      const { rollout } = await client.request<{ rollout: Rollout }>(getRollout, { id });
      // What the subscription heard meanwhile is as new as this answer, or newer.
      if (heard === before) consider(rollout);
      await delay(pollMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  })().catch(fail);
  try {
    await Promise.all([following, polling]);
  } finally {
    interruption.signal.removeEventListener('abort', stopWatching);
    interruption.release();
  }
  if (failures.length) throw failures[0];
  if (!finished) throw new CliError(ExitCode.Interrupted, `stopped following rollout ${id}; it goes on (${lastPrinted ? 'see above' : 'capstan rollout status'})`);
  if (finished.state !== 'Succeeded') throw new CliError(ExitCode.RolloutUnsuccessful, `rollout ${id} ended ${finished.state}${finished.reason ? `: ${finished.reason}` : ''}`);
}

// The operator's actions on a rollout: one mutation each, all with an audited reason; approve also names the stage.
const rolloutActions = [
  { verb: 'pause', mutation: 'pauseRollout', done: 'paused', description: 'start no new cluster until resumed' },
  { verb: 'resume', mutation: 'resumeRollout', done: 'resumed', description: "go on after a pause; after a failed batch, that batch's failures are accepted" },
  { verb: 'promote', mutation: 'promoteRollout', done: 'promoted', description: 'skip the gate the rollout waits on: an approval, or the bake of the clusters baking now' },
  { verb: 'approve', mutation: 'approveRolloutStage', done: 'approved', description: 'approve the stage the rollout waits on', stage: true },
  { verb: 'abort', mutation: 'abortRollout', done: 'aborted', description: 'stop the rollout for good; clusters keep what they run' },
  { verb: 'retry', mutation: 'retryRollout', done: 'retried', description: 'start the failed and timed-out clusters of the failed stage again' },
] as const;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The revision id for `--to`: a revision id as given, or the revision whose commit starts with the given sha (at least 7 characters). */
export async function resolveRevision({ client }: HubSession, application: string, given: string): Promise<string> {
  if (uuid.test(given)) return given;
  if (!/^[0-9a-f]{7,40}$/i.test(given)) throw CliError.invalid(`--to expects a revision id or a commit sha of at least 7 characters, got ${JSON.stringify(given)}`);
  const revisions = await collectNodes(client, listRevisions, { application }, (data: { revisions: Connection<RevisionRow> }) => data.revisions, 500);
  const matching = revisions.filter((revision) => revision.commitSha.startsWith(given.toLowerCase()));
  if (matching.length === 0) throw new CliError(ExitCode.NotFound, `application ${application} has no revision at commit ${given} ${revisions.length === 500 ? ' among its last 500' : ''}`);
  if (matching.length > 1) throw CliError.invalid(`commit ${given} names several revisions of ${application}; give a longer sha or the revision id (capstan app history ${application})`);
  return matching[0].id;
}

/** `capstan rollout list|status|pause|resume|promote|approve|abort|retry` and `capstan rollback`. */
export function registerRolloutCommands(program: Command, runtime: CliRuntime): void {
  const rollout = program.command('rollout').description('rollouts: a revision reaching the clusters stage by stage');

  hubCommand(rollout, 'list', 'list rollouts, newest first')
    .option('--app <application>', 'only those of this application')
    .addOption(new Option('--state <state>', 'only those in this state').choices(rolloutStates))
    .option('--limit <n>', 'at most this many', integerAtLeast('--limit', 1), 50)
    .action(
      onHub<{ app?: string; state?: string; limit: number }>(runtime, async ({ client, out }, _args, { app, state, limit }) => {
        out.list(await collectNodes(client, listRollouts, { application: app, state }, (data: { rollouts: Connection<Rollout> }) => data.rollouts, limit), rolloutList);
      }),
    );

  hubCommand(rollout, 'status', "show a rollout's state and per-stage progress; --watch follows it until it ends (exit 0 when it succeeded, 7 otherwise)")
    .argument('[id]', 'rollout id')
    .option('--app <application>', "instead of an id: the rollout of the application's newest revision (waited for a moment with --watch)")
    .option('-w, --watch', 'follow the rollout live until it ends')
    .action(
      onHub<{ app?: string; watch?: boolean }>(runtime, async (session, [given], { app, watch }) => {
        if ((given === undefined) === (app === undefined)) throw CliError.invalid('give a rollout id or --app <application>, not both');
        const id = given ?? (await newestRevisionRollout(session, app as string, watch ? 30_000 : 0));
        if (watch) return watchRollout(session, id);
        session.out.item((await session.client.request<{ rollout: Rollout }>(getRollout, { id })).rollout, rolloutDescription);
      }),
    );

  for (const action of rolloutActions) {
    const command = hubCommand(rollout, action.verb, action.description).argument('<id>', 'rollout id');
    if ('stage' in action) command.requiredOption('--stage <stage>', 'the stage to approve');
    command.requiredOption('--reason <text>', 'why, for the audit log (required)').action(
      onHub<{ stage?: string; reason: string }>(runtime, async ({ client, out }, [id], { stage, reason }) => {
        const stageArgument = 'stage' in action ? { declared: ', $stage: String!', passed: ', stage: $stage' } : { declared: '', passed: '' };
        const data = await client.request<Record<string, Rollout>>(
          `mutation($id: ID!, $reason: String!${stageArgument.declared}) { ${action.mutation}(id: $id, reason: $reason${stageArgument.passed}) { ${rolloutFields} } }`,
          { id, reason, stage },
        );
        const changed = data[action.mutation];
        out.done(`Rollout ${changed.id} ${action.done}${stage ? ` at stage ${stage}` : ''}: ${rolloutLine(changed)}`, changed, changed.id);
      }),
    );
  }

  hubCommand(program, 'rollback', 'roll an application back to an earlier revision, from stored bundles: through its stages, or at once with --immediate')
    .argument('<application>', 'application name')
    .requiredOption('--to <revision>', 'revision id, or commit sha (at least 7 characters), to return to (capstan app history)')
    .requiredOption('--reason <text>', 'why, for the audit log (required)')
    .option('--immediate', 'everywhere at once instead of through the stages')
    .option('-w, --watch', 'follow the rollback rollout until it ends')
    .action(
      onHub<{ to: string; reason: string; immediate?: boolean; watch?: boolean }>(runtime, async (session, [application], { to, reason, immediate, watch }) => {
        const toRevision = await resolveRevision(session, application, to);
        const { rollback } = await session.client.request<{ rollback: Rollout }>(rollbackApplication, { application, toRevision, reason, immediate: Boolean(immediate) });
        if (!watch) return session.out.done(`Rolling ${application} back to ${shortSha(rollback.commitSha)}: rollout ${rollback.id}, ${rolloutLine(rollback)}`, rollback, rollback.id);
        session.out.note(`Rolling ${application} back to ${shortSha(rollback.commitSha)}: rollout ${rollback.id}`);
        await watchRollout(session, rollback.id);
      }),
    );
}
