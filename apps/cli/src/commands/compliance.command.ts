import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli-error';
import { type CliRuntime, watchInterruption } from '../cli-runtime';
import type { ListView } from '../output/output';
import { formatAge } from '../output/time';
import { type HubSession, hubCommand, onHub } from './hub-command';

interface ViolatingObject {
  kind: string;
  namespace: string;
  name: string;
  rule: string;
  fieldPath: string;
  message: string;
  since: string;
}

interface Compliance {
  cluster: string;
  policy: string;
  policyVersion: number;
  state: string;
  judgedAt: string | null;
  violatingObjects: ViolatingObject[];
}

const complianceFields = 'cluster policy policyVersion state judgedAt violatingObjects { kind namespace name rule fieldPath message since }';
const listCompliance = `query($cluster: String, $group: String, $policy: String) { compliance(cluster: $cluster, group: $group, policy: $policy) { ${complianceFields} } }`;
const followCompliance = `subscription($cluster: String, $policy: String) { complianceChanged(cluster: $cluster, policy: $policy) { ${complianceFields} } }`;

const objectName = (object: ViolatingObject) => `${object.kind}/${object.namespace ? `${object.namespace}/` : ''}${object.name}`;

const complianceList: ListView<Compliance> = {
  noun: 'compliance',
  columns: [
    { header: 'cluster', value: (entry) => entry.cluster },
    { header: 'policy', value: (entry) => `${entry.policy} v${entry.policyVersion}` },
    { header: 'state', value: (entry) => entry.state, state: true },
    { header: 'violations', value: (entry) => String(entry.violatingObjects.length) },
    { header: 'judged', value: (entry) => formatAge(entry.judgedAt) },
  ],
  name: (entry) => `${entry.cluster}/${entry.policy}`,
};

/** One line per violating object and rule, beneath the table: what to fix, where. */
const violationList: ListView<ViolatingObject & { cluster: string; policy: string }> = {
  noun: 'violating objects',
  columns: [
    { header: 'cluster', value: (entry) => entry.cluster },
    { header: 'policy', value: (entry) => entry.policy },
    { header: 'object', value: objectName },
    { header: 'rule', value: (entry) => entry.rule },
    { header: 'since', value: (entry) => formatAge(entry.since) },
    { header: 'message', value: (entry) => entry.message },
  ],
  name: (entry) => `${entry.cluster}/${objectName(entry)}`,
};

async function watchCompliance({ client, out, runtime }: HubSession, cluster: string | undefined, policy: string | undefined): Promise<void> {
  const interruption = watchInterruption(runtime);
  out.note('Following compliance (Ctrl-C to stop)…');
  try {
    const end = await client.subscribe<{ complianceChanged: Compliance }>(followCompliance, { cluster, policy }, ({ complianceChanged: entry }) => {
      const objects = entry.violatingObjects.map((object) => `${objectName(object)} (${object.rule})`).join(', ');
      out.step([new Date().toISOString().slice(11, 19), entry.cluster, `${entry.policy} v${entry.policyVersion}`, entry.state, objects].filter(Boolean).join('  '), entry, complianceList.name(entry));
    }, interruption.signal);
    if (end === 'interrupted') throw new CliError(ExitCode.Interrupted, 'stopped following compliance');
  } finally {
    interruption.release();
  }
}

/** `capstan compliance [--cluster] [--group] [--policy] [--watch]`: live objects judged by the policies in force. */
export function registerComplianceCommand(program: Command, runtime: CliRuntime): void {
  hubCommand(program, 'compliance', "each cluster's compliance with the policies in force there, judged by its agent on live objects, and the objects that violate them")
    .option('--cluster <cluster>', 'only this cluster')
    .option('--group <group>', "only this group's clusters")
    .option('--policy <policy>', 'only this policy')
    .option('-w, --watch', 'after the list, print each change as agents report it, until Ctrl-C (--group does not narrow it)')
    .action(
      onHub<{ cluster?: string; group?: string; policy?: string; watch?: boolean }>(runtime, async (session, _args, { cluster, group, policy, watch }) => {
        const { compliance } = await session.client.request<{ compliance: Compliance[] }>(listCompliance, { cluster, group, policy });
        if (session.out.format !== 'table') {
          if (watch) for (const entry of compliance) session.out.step('', entry, complianceList.name(entry));
          else session.out.list(compliance, complianceList);
        } else {
          session.out.list(compliance, complianceList);
          const violations = compliance.flatMap((entry) => entry.violatingObjects.map((object) => ({ ...object, cluster: entry.cluster, policy: entry.policy })));
          if (violations.length > 0) {
            session.out.note('');
            session.out.list(violations, violationList);
          }
        }
        if (watch) await watchCompliance(session, cluster, policy);
      }),
    );
}
