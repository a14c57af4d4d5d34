import type { Command } from 'commander';
import { CliError } from '../cli-error';
import type { CliRuntime } from '../cli-runtime';
import { collectNodes, type Connection, connectionFields } from '../hub/connection-pages';
import type { ItemView, ListView } from '../output/output';
import { formatFields, formatSection } from '../output/table';
import { formatTime } from '../output/time';
import { formatLabels } from './cluster.command';
import { hubCommand, onHub, withReason } from './hub-command';
import { repeatable } from './option-parsers';

interface GroupSummary {
  name: string;
  selector: string | null;
  members: string[];
  description: string;
  healPolicy: string | null;
}

interface GroupDetails extends GroupSummary {
  variables: Record<string, string>;
  createdAt: string;
  clusters: Connection<{ name: string; state: string }>;
}

const summaryFields = 'name selector members description healPolicy';
const listGroups = `query($first: Int, $after: String) { clusterGroups(first: $first, after: $after) { ${connectionFields(summaryFields)} } }`;
// The clusters of a group are shown up to one page; `-o json` says whether there are more.
const getGroup = `query($name: String!) { clusterGroup(name: $name) { ${summaryFields} variables createdAt clusters(first: 200) { ${connectionFields('name state')} } } }`;
const createGroup = `mutation($input: CreateClusterGroupInput!, $reason: String) { createClusterGroup(input: $input, reason: $reason) { ${summaryFields} } }`;

const groupList: ListView<GroupSummary> = {
  noun: 'cluster groups',
  columns: [
    { header: 'name', value: (group) => group.name },
    { header: 'selector', value: (group) => group.selector },
    { header: 'members', value: (group) => group.members.join(',') },
    { header: 'heal policy', value: (group) => group.healPolicy },
    { header: 'description', value: (group) => group.description },
  ],
  name: (group) => group.name,
};

const groupDescription: ItemView<GroupDetails> = {
  name: (group) => group.name,
  describe: (group, style) =>
    formatFields(
      [
        ['Name', group.name],
        ['Selector', group.selector],
        ['Members', group.members.join(', ')],
        ['Description', group.description],
        ['Heal policy', group.healPolicy ?? "the applications' own"],
        ['Variables', formatLabels(group.variables)],
        ['Created', formatTime(group.createdAt)],
      ],
      style,
    ) +
    formatSection(group.clusters.pageInfo.hasNextPage ? 'Clusters (the first 200)' : 'Clusters', group.clusters.edges.map((edge) => edge.node), [
      { header: 'name', value: (cluster) => cluster.name },
      { header: 'state', value: (cluster) => cluster.state, state: true },
    ], style),
};

/** `capstan group create|list|get`: clusters chosen by label selector and/or by name. */
export function registerGroupCommands(program: Command, runtime: CliRuntime): void {
  const group = program.command('group').description('cluster groups: clusters chosen by label selector and/or by name');

  withReason(
    hubCommand(group, 'create', 'create a cluster group')
      .argument('<name>', 'group name')
      .option('-l, --selector <selector>', 'label selector, e.g. "env=prod,region in (eu,us)"')
      .option('--member <cluster>', 'a cluster in the group whatever its labels (repeatable)', repeatable, [])
      .option('--description <text>', 'what the group is for'),
  ).action(
    onHub<{ selector?: string; member: string[]; description?: string; reason?: string }>(runtime, async ({ client, out }, [name], { selector, member, description, reason }) => {
      if (selector === undefined && member.length === 0) throw CliError.invalid(`group ${name}: give --selector, --member, or both`);
      const { createClusterGroup: created } = await client.request<{ createClusterGroup: GroupSummary }>(createGroup, { input: { name, selector, members: member, description }, reason });
      out.done(`Cluster group ${created.name} created.`, created, created.name);
    }),
  );

  hubCommand(group, 'list', 'list cluster groups').action(
    onHub(runtime, async ({ client, out }) => {
      out.list(await collectNodes(client, listGroups, {}, (data: { clusterGroups: Connection<GroupSummary> }) => data.clusterGroups), groupList);
    }),
  );

  hubCommand(group, 'get', 'show a cluster group and the clusters it holds')
    .argument('<name>', 'group name')
    .action(
      onHub(runtime, async ({ client, out }, [name]) => {
        out.item((await client.request<{ clusterGroup: GroupDetails }>(getGroup, { name })).clusterGroup, groupDescription);
      }),
    );
}
