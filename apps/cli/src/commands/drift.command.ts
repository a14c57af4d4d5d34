import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli-error';
import { type CliRuntime, watchInterruption } from '../cli-runtime';
import { collectNodes, type Connection, connectionFields } from '../hub/connection-pages';
import type { ListView } from '../output/output';
import { formatAge } from '../output/time';
import { type HubSession, hubCommand, onHub, withReason } from './hub-command';

interface Drift {
  id: string;
  cluster: string;
  application: string;
  subject: string;
  status: string;
  resolution: string | null;
  objectDeleted: boolean;
  detectedAt: string;
  fields: Array<{ path: string; changedBy: string }>;
}

const driftFields = 'id cluster application subject status resolution objectDeleted detectedAt fields { path changedBy }';
const clusterDrift = `query($name: String!) { cluster(name: $name) { drift { ${driftFields} } } }`;
// Open drift is read cluster by cluster; fewer clusters a page, as each brings its drift.
const fleetDrift = `query($first: Int, $after: String) { clusters(first: $first, after: $after) { ${connectionFields(`drift { ${driftFields} }`)} } }`;
const followDrift = `subscription($cluster: String) { driftChanged(cluster: $cluster) { ${driftFields} } }`;
const driftEvents = `query($drift: ID!) { events(drift: $drift, first: 1) { edges { node { cluster application } } } }`;
const approveHeal = `mutation($cluster: String!, $application: String!, $reason: String) { approveHeal(cluster: $cluster, application: $application, reason: $reason) }`;

const changedFields = (drift: Drift) => (drift.objectDeleted ? 'object deleted' : drift.fields.map((field) => `${field.path} (by ${field.changedBy})`).join(', '));

const driftList: ListView<Drift> = {
  noun: 'open drift',
  columns: [
    { header: 'id', value: (drift) => drift.id },
    { header: 'cluster', value: (drift) => drift.cluster },
    { header: 'application', value: (drift) => drift.application },
    { header: 'subject', value: (drift) => drift.subject },
    { header: 'status', value: (drift) => drift.status, state: true },
    { header: 'fields', value: changedFields },
    { header: 'detected', value: (drift) => formatAge(drift.detectedAt) },
  ],
  name: (drift) => drift.id,
};

async function openDrift({ client }: HubSession, cluster: string | undefined): Promise<Drift[]> {
  if (cluster) return (await client.request<{ cluster: { drift: Drift[] } }>(clusterDrift, { name: cluster })).cluster.drift;
  const clusters = await collectNodes(client, fleetDrift, {}, (data: { clusters: Connection<{ drift: Drift[] }> }) => data.clusters, Infinity, 50);
  return clusters.flatMap((node) => node.drift);
}

/** Prints each drift as it changes until interrupted (exit 130) or the hub ends the subscription. */
async function watchDrift({ client, out, runtime }: HubSession, cluster: string | undefined): Promise<void> {
  const interruption = watchInterruption(runtime);
  out.note(`Following drift${cluster ? ` on cluster ${cluster}` : ''} (Ctrl-C to stop)…`);
  try {
    const end = await client.subscribe<{ driftChanged: Drift }>(followDrift, { cluster }, ({ driftChanged: drift }) => {
      const line = [new Date().toISOString().slice(11, 19), drift.cluster, drift.application, drift.subject, drift.status + (drift.resolution ? ` (${drift.resolution})` : ''), changedFields(drift)];
      out.step(line.join('  '), drift, drift.id);
    }, interruption.signal);
    if (end === 'interrupted') throw new CliError(ExitCode.Interrupted, 'stopped following drift');
  } finally {
    interruption.release();
  }
}

/** `capstan drift list [--watch]` and `capstan heal approve`. */
export function registerDriftCommands(program: Command, runtime: CliRuntime): void {
  const drift = program.command('drift').description('drift: managed objects that differ from git');
  hubCommand(drift, 'list', 'list open drift (being healed, held for approval, or alerted); --watch then follows each change')
    .option('--cluster <cluster>', 'only on this cluster')
    .option('-w, --watch', 'after the list, print each drift as it is detected, decided and resolved, until Ctrl-C')
    .action(
      onHub<{ cluster?: string; watch?: boolean }>(runtime, async (session, _args, { cluster, watch }) => {
        const drifts = await openDrift(session, cluster);
        // A watch streams one item per line; the list before it is printed the same way, to stay one format.
        if (watch && session.out.format !== 'table') for (const item of drifts) session.out.step('', item, item.id);
        else session.out.list(drifts, driftList);
        if (watch) await watchDrift(session, cluster);
      }),
    );

  const heal = program.command('heal').description('healing drift held for approval or alerted');
  withReason(
    hubCommand(heal, 'approve', "heal a drift held for approval or alerted: with it, all such drift of the same application on its cluster (the hub approves per cluster and application)").argument('<drift-id>', 'drift id (capstan drift list)'),
  ).action(
    onHub<{ reason?: string }>(runtime, async ({ client, out }, [id], { reason }) => {
      const [event] = (await client.request<{ events: { edges: Array<{ node: { cluster: string | null; application: string | null } }> } }>(driftEvents, { drift: id })).events.edges;
      if (!event?.node.cluster || !event.node.application) throw new CliError(ExitCode.NotFound, `drift "${id}" not found`);
      const { cluster, application } = event.node;
      const { approveHeal: objects } = await client.request<{ approveHeal: number }>(approveHeal, { cluster, application, reason });
      out.done(`Healing approved: ${objects} object(s) of application ${application} on cluster ${cluster} are being re-applied.`, { drift: id, cluster, application, objects }, id);
    }),
  );
}
