import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime';
import { collectNodes, type Connection, connectionFields } from '../hub/connection-pages';
import type { ItemView, ListView } from '../output/output';
import { formatFields, formatSection } from '../output/table';
import { formatAge, formatTime } from '../output/time';
import { hubCommand, onHub } from './hub-command';
import { integerAtLeast } from './option-parsers';
import { readYamlObject } from './yaml-file';

interface PolicyRolloutCluster {
  cluster: string;
  state: string;
  version: number | null;
  mode: string | null;
  since: string;
  violations: Array<{ kind: string; namespace: string; name: string; rule: string; message: string }>;
}

interface PolicyRollout {
  id: string;
  policy: string;
  version: number;
  previousVersion: number;
  previousMode: string;
  state: string;
  reason: string;
  startedBy: string;
  startReason: string;
  startedAt: string;
  finishedAt: string | null;
  stages: Array<{ name: string; state: string; clusters: PolicyRolloutCluster[] }>;
}

const listFields = 'id policy version previousVersion previousMode state reason startedBy startReason startedAt finishedAt';
const rolloutFields = `${listFields} stages { name state clusters { cluster state version mode since violations { kind namespace name rule message } } }`;
const listRollouts = `query($policy: String, $state: String, $first: Int, $after: String) { policyRollouts(policy: $policy, state: $state, first: $first, after: $after) { ${connectionFields(listFields)} } }`;
const getRollout = `query($id: ID!) { policyRollout(id: $id) { ${rolloutFields} } }`;
const startRollout = `mutation($policy: String!, $strategy: PolicyRolloutStrategyInput!, $reason: String!, $version: Int) { startPolicyRollout(policy: $policy, strategy: $strategy, reason: $reason, version: $version) { ${rolloutFields} } }`;

const actions = [
  { verb: 'pause', mutation: 'pausePolicyRollout', description: 'hold every cluster where it is until resumed', done: 'paused' },
  { verb: 'resume', mutation: 'resumePolicyRollout', description: 'go on: the stage it paused at is judged again at once', done: 'resumed' },
  { verb: 'abort', mutation: 'abortPolicyRollout', description: 'stop for good: every cluster holds what was in force before', done: 'aborted' },
  { verb: 'rollback', mutation: 'rollbackPolicyRollout', description: 'return every cluster to the version and mode in force before, also after success', done: 'rolled back' },
] as const;

const objectName = (violation: PolicyRolloutCluster['violations'][number]) => `${violation.kind}/${violation.namespace ? `${violation.namespace}/` : ''}${violation.name}`;

const rolloutList: ListView<PolicyRollout> = {
  noun: 'policy rollouts',
  columns: [
    { header: 'id', value: (rollout) => rollout.id },
    { header: 'policy', value: (rollout) => `${rollout.policy} v${rollout.version}` },
    { header: 'state', value: (rollout) => rollout.state, state: true },
    { header: 'reason', value: (rollout) => rollout.reason },
    { header: 'started', value: (rollout) => formatAge(rollout.startedAt) },
  ],
  name: (rollout) => rollout.id,
};

const rolloutDescription: ItemView<PolicyRollout> = {
  name: (rollout) => rollout.id,
  describe: (rollout, style) =>
    formatFields(
      [
        ['Policy rollout', rollout.id],
        ['Policy', `${rollout.policy} version ${rollout.version} (before: version ${rollout.previousVersion} in ${rollout.previousMode})`],
        ['State', rollout.state, true],
        ['Reason', rollout.reason],
        ['Started', `${formatTime(rollout.startedAt)} by ${rollout.startedBy}${rollout.startReason ? `: ${rollout.startReason}` : ''}`],
        ['Finished', formatTime(rollout.finishedAt)],
      ],
      style,
    ) +
    formatSection('Clusters', rollout.stages.flatMap((stage) => stage.clusters.map((cluster) => ({ ...cluster, stage: stage.name }))), [
      { header: 'stage', value: (cluster) => cluster.stage },
      { header: 'cluster', value: (cluster) => cluster.cluster },
      { header: 'state', value: (cluster) => cluster.state, state: true },
      { header: 'holds', value: (cluster) => (cluster.version === null ? '-' : `v${cluster.version} ${cluster.mode}`) },
      { header: 'violations', value: (cluster) => cluster.violations.map((violation) => `${objectName(violation)} (${violation.rule})`).join(', ') },
    ], style),
};

/** `capstan policy rollout start|list|status|pause|resume|abort|rollback`: a policy version rolled out audit → enforce. */
export function registerPolicyRolloutCommands(policy: Command, runtime: CliRuntime): void {
  const rollout = policy.command('rollout').description("a policy's version rolled out stage by stage: audited first, enforced where its violations are within the allowance");

  hubCommand(rollout, 'start', "roll a policy's latest version out through stages")
    .argument('<policy>', 'policy name')
    .requiredOption('-f, --file <file>', 'the strategy as YAML or JSON: { stages: [{ name, groups, selector, maxConcurrency, minBakeTimeSeconds }], allowance }; - for stdin')
    .option('--version <n>', 'the version meant; refused if another was saved since', integerAtLeast('--version', 1))
    .requiredOption('--reason <text>', 'why, for the audit log (required)')
    .action(
      onHub<{ file: string; version?: number; reason: string }>(runtime, async ({ client, out }, [name], { file, version, reason }) => {
        const strategy = readYamlObject(file, 'a policy rollout strategy { stages, allowance }');
        const { startPolicyRollout: started } = await client.request<{ startPolicyRollout: PolicyRollout }>(startRollout, { policy: name, strategy, reason, version });
        out.done(`Policy rollout ${started.id} started: ${started.policy} version ${started.version}, ${started.state}.`, started, started.id);
      }),
    );

  hubCommand(rollout, 'list', 'list policy rollouts, newest first')
    .option('--policy <policy>', 'only those of this policy')
    .option('--state <state>', 'only those in this state')
    .action(
      onHub<{ policy?: string; state?: string }>(runtime, async ({ client, out }, _args, { policy: name, state }) => {
        out.list(await collectNodes(client, listRollouts, { policy: name, state }, (data: { policyRollouts: Connection<PolicyRollout> }) => data.policyRollouts), rolloutList);
      }),
    );

  hubCommand(rollout, 'status', "show a policy rollout: its state and what each cluster holds and violates")
    .argument('<id>', 'policy rollout id')
    .action(
      onHub(runtime, async ({ client, out }, [id]) => {
        out.item((await client.request<{ policyRollout: PolicyRollout }>(getRollout, { id })).policyRollout, rolloutDescription);
      }),
    );

  for (const action of actions) {
    hubCommand(rollout, action.verb, action.description)
      .argument('<id>', 'policy rollout id')
      .requiredOption('--reason <text>', 'why, for the audit log (required)')
      .action(
        onHub<{ reason: string }>(runtime, async ({ client, out }, [id], { reason }) => {
          const data = await client.request<Record<string, PolicyRollout>>(`mutation($id: ID!, $reason: String!) { ${action.mutation}(id: $id, reason: $reason) { ${rolloutFields} } }`, { id, reason });
          const changed = data[action.mutation];
          out.done(`Policy rollout ${changed.id} ${action.done}: ${changed.state}${changed.reason ? ` (${changed.reason})` : ''}.`, changed, changed.id);
        }),
      );
  }
}
