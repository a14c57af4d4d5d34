import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime';
import { collectNodes, type Connection, connectionFields } from '../hub/connection-pages';
import type { ListView } from '../output/output';
import { hubCommand, onHub } from './hub-command';
import { integerAtLeast } from './option-parsers';

interface FleetEvent {
  id: string;
  occurredAt: string;
  type: string;
  cluster: string | null;
  application: string | null;
  subject: string;
  rollout: string | null;
  drift: string | null;
  details: Record<string, unknown>;
}

interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetName: string;
  reason: string | null;
  summary: Record<string, unknown>;
}

const listEvents = `query($cluster: String, $application: String, $type: String, $rollout: ID, $drift: ID, $first: Int, $after: String) {
  events(cluster: $cluster, application: $application, type: $type, rollout: $rollout, drift: $drift, first: $first, after: $after) {
    ${connectionFields('id occurredAt type cluster application subject rollout drift details')} } }`;
const listAudit = `query($actor: String, $action: String, $targetType: String, $targetName: String, $since: DateTime, $until: DateTime, $first: Int, $after: String) {
  auditLog(actor: $actor, action: $action, targetType: $targetType, targetName: $targetName, since: $since, until: $until, first: $first, after: $after) {
    ${connectionFields('id at actor action targetType targetName reason summary')} } }`;

/** A time to the second, as logs print it. */
const timestamp = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

/** Compact JSON, cut to `width` characters for a table cell. */
const brief = (value: Record<string, unknown>, width = 80) => {
  const text = Object.keys(value).length ? JSON.stringify(value) : '';
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
};

const eventList: ListView<FleetEvent> = {
  noun: 'events',
  columns: [
    { header: 'time', value: (event) => timestamp(event.occurredAt) },
    { header: 'type', value: (event) => event.type },
    { header: 'cluster', value: (event) => event.cluster },
    { header: 'application', value: (event) => event.application },
    { header: 'subject', value: (event) => event.subject },
    { header: 'details', value: (event) => brief(event.details) },
  ],
  name: (event) => event.id,
};

const auditList: ListView<AuditEntry> = {
  noun: 'audit entries',
  columns: [
    { header: 'time', value: (entry) => timestamp(entry.at) },
    { header: 'actor', value: (entry) => entry.actor },
    { header: 'action', value: (entry) => entry.action },
    { header: 'target', value: (entry) => `${entry.targetType}/${entry.targetName}` },
    { header: 'reason', value: (entry) => entry.reason },
    { header: 'summary', value: (entry) => brief(entry.summary) },
  ],
  name: (entry) => entry.id,
};

const limitOption = (command: Command) => command.option('--limit <n>', 'at most this many, newest first', integerAtLeast('--limit', 1), 50);

/** `capstan events` (what happened on the fleet) and `capstan audit` (who changed what). */
export function registerEventsCommands(program: Command, runtime: CliRuntime): void {
  limitOption(
    hubCommand(program, 'events', 'what happened on the fleet, newest first: drift, heals, rollout steps, policy blocks')
      .option('--cluster <cluster>', 'on this cluster')
      .option('--app <application>', 'of this application')
      .option('--type <type>', 'of this type, e.g. drift.detected or rollout.cluster.failed')
      .option('--rollout <id>', "one rollout's steps")
      .option('--drift <id>', "one drift's cycle"),
  ).action(
    onHub<{ cluster?: string; app?: string; type?: string; rollout?: string; drift?: string; limit: number }>(runtime, async ({ client, out }, _args, options) => {
      const variables = { cluster: options.cluster, application: options.app, type: options.type, rollout: options.rollout, drift: options.drift };
      out.list(await collectNodes(client, listEvents, variables, (data: { events: Connection<FleetEvent> }) => data.events, options.limit), eventList);
    }),
  );

  limitOption(
    hubCommand(program, 'audit', 'the audit log, newest first: who changed what, when and why')
      .option('--actor <actor>', 'by this actor, e.g. token/admin')
      .option('--action <action>', 'this action, e.g. cluster.create')
      .option('--target-type <type>', 'on this kind of target, e.g. Cluster')
      .option('--target <name>', 'on the target of this name')
      .option('--since <time>', 'at or after this ISO time')
      .option('--until <time>', 'before this ISO time'),
  ).action(
    onHub<{ actor?: string; action?: string; targetType?: string; target?: string; since?: string; until?: string; limit: number }>(runtime, async ({ client, out }, _args, options) => {
      const variables = { actor: options.actor, action: options.action, targetType: options.targetType, targetName: options.target, since: options.since, until: options.until };
      out.list(await collectNodes(client, listAudit, variables, (data: { auditLog: Connection<AuditEntry> }) => data.auditLog, options.limit), auditList);
    }),
  );
}
