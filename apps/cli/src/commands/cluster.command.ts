import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime';
import { CliError } from '../cli-error';
import { collectNodes, type Connection, connectionFields } from '../hub/connection-pages';
import type { ListView, ItemView } from '../output/output';
import { formatFields, formatSection } from '../output/table';
import { formatAge, formatTime, shortSha } from '../output/time';
import { hubCommand, onHub, withReason } from './hub-command';
import { integerAtLeast, keyValuePairs, repeatable } from './option-parsers';

interface ClusterSummary {
  name: string;
  state: string;
  connected: boolean;
  paused: boolean;
  labels: Record<string, string>;
  lastSeenAt: string | null;
  agentVersion: string | null;
  kubernetesVersion: string | null;
  groups: Array<{ name: string }>;
}

interface ClusterDetails extends ClusterSummary {
  createdAt: string;
  applications: Array<{ application: string; syncState: string; health: string; revision: string | null; reportedAt: string; error: string | null }>;
  desiredState: Array<{ application: string; commitSha: string; cause: string; updatedAt: string }>;
  drift: Array<{ id: string; application: string; subject: string; status: string }>;
}

const summaryFields = 'name state connected paused labels lastSeenAt agentVersion kubernetesVersion groups { name }';
const listClusters = `query($selector: String, $first: Int, $after: String) { clusters(selector: $selector, first: $first, after: $after) { ${connectionFields(summaryFields)} } }`;
const getCluster = `query($name: String!) { cluster(name: $name) { ${summaryFields} createdAt
  applications { application syncState health revision reportedAt error } desiredState { application commitSha cause updatedAt } drift { id application subject status } } }`;
const registerCluster = `mutation($input: CreateClusterRegistrationInput!, $reason: String) { createClusterRegistration(input: $input, reason: $reason) { cluster expiresAt agentCommand installManifests } }`;
const deleteCluster = `mutation($name: String!, $reason: String) { deleteCluster(name: $name, reason: $reason) { name } }`;

/** `--resource` values as RBAC rules, one per API group: `deployments` is the core group's, `apps/deployments` the apps group's. */
function accessRules(resources: string[]): Array<{ apiGroups: string[]; resources: string[] }> {
  const byGroup = new Map<string, string[]>();
  for (const given of resources) {
    const slash = given.lastIndexOf('/');
    const [group, resource] = slash < 0 ? ['', given] : [given.slice(0, slash), given.slice(slash + 1)];
    if (!/^[a-z0-9.-]*$/.test(group) || !/^[a-z0-9*][a-z0-9.-]*$/.test(resource)) throw CliError.invalid(`--resource expects [group/]resource in lower case, e.g. apps/deployments, got "${given}"`);
    byGroup.set(group, [...(byGroup.get(group) ?? []), resource]);
  }
  return [...byGroup].map(([group, names]) => ({ apiGroups: [group], resources: names }));
}

/** `k=v,k=v`, as selectors write labels. */
export const formatLabels = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

const clusterList: ListView<ClusterSummary> = {
  noun: 'clusters',
  columns: [
    { header: 'name', value: (cluster) => cluster.name },
    { header: 'state', value: (cluster) => (cluster.paused ? `${cluster.state} (paused)` : cluster.state), state: true },
    { header: 'labels', value: (cluster) => formatLabels(cluster.labels) },
    { header: 'groups', value: (cluster) => cluster.groups.map((group) => group.name).join(',') },
    { header: 'last seen', value: (cluster) => formatAge(cluster.lastSeenAt) },
    { header: 'agent', value: (cluster) => cluster.agentVersion },
    { header: 'kubernetes', value: (cluster) => cluster.kubernetesVersion },
  ],
  name: (cluster) => cluster.name,
};

const clusterDescription: ItemView<ClusterDetails> = {
  name: (cluster) => cluster.name,
  describe: (cluster, style) =>
    formatFields(
      [
        ['Name', cluster.name],
        ['State', cluster.state, true],
        ['Paused', cluster.paused ? 'yes: its agent applies and heals nothing until resumed' : 'no'],
        ['Labels', formatLabels(cluster.labels)],
        ['Groups', cluster.groups.map((group) => group.name).join(', ')],
        ['Last seen', formatTime(cluster.lastSeenAt)],
        ['Agent', cluster.agentVersion],
        ['Kubernetes', cluster.kubernetesVersion],
        ['Created', formatTime(cluster.createdAt)],
      ],
      style,
    ) +
    formatSection('Applications', cluster.applications, [
      { header: 'application', value: (status) => status.application },
      { header: 'sync', value: (status) => status.syncState, state: true },
      { header: 'health', value: (status) => status.health, state: true },
      { header: 'commit', value: (status) => shortSha(status.revision) },
      { header: 'reported', value: (status) => formatAge(status.reportedAt) },
      { header: 'error', value: (status) => status.error },
    ], style) +
    formatSection('Desired state', cluster.desiredState, [
      { header: 'application', value: (desired) => desired.application },
      { header: 'commit', value: (desired) => shortSha(desired.commitSha) },
      { header: 'cause', value: (desired) => desired.cause },
      { header: 'since', value: (desired) => formatAge(desired.updatedAt) },
    ], style) +
    formatSection('Open drift', cluster.drift, [
      { header: 'id', value: (drift) => drift.id },
      { header: 'application', value: (drift) => drift.application },
      { header: 'subject', value: (drift) => drift.subject },
      { header: 'status', value: (drift) => drift.status, state: true },
    ], style),
};

// Pausing and resuming differ only in the mutation and what it means.
const pauseActions = [
  { verb: 'pause', mutation: 'pauseCluster', description: 'stop the cluster\'s agent applying and healing (drift is still reported)', outcome: 'paused: its agent applies and heals nothing until resumed' },
  { verb: 'resume', mutation: 'resumeCluster', description: "let a paused cluster's agent apply and heal again", outcome: 'resumed' },
] as const;

/** `capstan cluster list|get|register|delete|pause|resume`. */
export function registerClusterCommands(program: Command, runtime: CliRuntime): void {
  const cluster = program.command('cluster').description('the clusters of the fleet');

  hubCommand(cluster, 'list', 'list clusters, optionally those matching a label selector')
    .option('-l, --selector <selector>', 'label selector, e.g. "env=prod,region in (eu,us)"')
    .action(
      onHub<{ selector?: string }>(runtime, async ({ client, out }, _args, { selector }) => {
        out.list(await collectNodes(client, listClusters, { selector }, (data: { clusters: Connection<ClusterSummary> }) => data.clusters), clusterList);
      }),
    );

  hubCommand(cluster, 'get', 'show a cluster: state, labels, groups, applications, desired state, open drift')
    .argument('<name>', 'cluster name')
    .action(
      onHub(runtime, async ({ client, out }, [name]) => {
        out.item((await client.request<{ cluster: ClusterDetails }>(getCluster, { name })).cluster, clusterDescription);
      }),
    );

  withReason(
    hubCommand(cluster, 'register', "register a cluster and print its agent's install manifests, for `| kubectl apply -f -` (with a one-time bootstrap token)")
      .argument('<name>', 'cluster name')
      .option('--label <key=value>', 'a label of the new cluster (repeatable)', keyValuePairs('--label'), {})
      .option('--ttl <minutes>', 'minutes the bootstrap token stays valid (hub default 60)', integerAtLeast('--ttl', 1))
      .option('--namespace <namespace>', 'let the agent manage only these namespaces (repeatable; needs --resource)', repeatable)
      .option('--resource <[group/]resource>', 'let the agent manage only these resources, e.g. configmaps or apps/deployments (repeatable; needs --namespace)', repeatable)
      .option('--agent-command', 'print a shell command that runs the agent here instead, where the cluster\'s kubeconfig is'),
  ).action(
    onHub<{ label: Record<string, string>; ttl?: number; namespace?: string[]; resource?: string[]; agentCommand?: boolean; reason?: string }>(
      runtime,
      async ({ client, out }, [name], { label, ttl, namespace, resource, agentCommand, reason }) => {
        if (Boolean(namespace) !== Boolean(resource)) throw CliError.invalid('--namespace and --resource narrow the agent together: give both, or neither');
        const access = namespace && resource ? { namespaces: namespace, rules: accessRules(resource) } : undefined;
        const { createClusterRegistration: registration } = await client.request<{ createClusterRegistration: { cluster: string; expiresAt: string; agentCommand: string; installManifests: string } }>(
          registerCluster,
          { input: { name, labels: Object.keys(label).length > 0 ? label : undefined, ttlMinutes: ttl, access }, reason },
        );
        if (out.format !== 'table') return out.done('', registration, registration.cluster);
        // What to apply or run alone on stdout, so that it can be piped; the words around it on stderr.
        out.note(`Cluster ${registration.cluster} is registered (Pending until its agent connects). Its bootstrap token works once and expires ${formatTime(registration.expiresAt)}.`);
        if (agentCommand) {
          out.note("Run this where the cluster's kubeconfig is ($KUBECONFIG or ~/.kube/config):\n");
          return out.done(registration.agentCommand, registration, registration.cluster);
        }
        out.note('Apply the manifests below to the cluster (e.g. pipe them into `kubectl apply -f -`); the agent keeps its credential in Secret capstan-system/capstan-agent.');
        out.done(registration.installManifests.trimEnd(), registration, registration.cluster);
      },
    ),
  );

  withReason(hubCommand(cluster, 'delete', 'forget a cluster').argument('<name>', 'cluster name')).action(
    onHub<{ reason?: string }>(runtime, async ({ client, out }, [name], { reason }) => {
      const { deleteCluster: deleted } = await client.request<{ deleteCluster: { name: string } }>(deleteCluster, { name, reason });
      out.done(`Cluster ${deleted.name} deleted.`, deleted, deleted.name);
    }),
  );

  for (const action of pauseActions) {
    withReason(hubCommand(cluster, action.verb, action.description).argument('<name>', 'cluster name')).action(
      onHub<{ reason?: string }>(runtime, async ({ client, out }, [name], { reason }) => {
        const data = await client.request<Record<string, { name: string; paused: boolean; state: string }>>(`mutation($name: String!, $reason: String) { ${action.mutation}(name: $name, reason: $reason) { name paused state } }`, { name, reason });
        const changed = data[action.mutation];
        out.done(`Cluster ${changed.name} ${action.outcome}.`, changed, changed.name);
      }),
    );
  }
}
