import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli-error';
import type { CliRuntime } from '../cli-runtime';
import type { HubClient } from '../hub/hub-client';
import type { ItemView, ListView } from '../output/output';
import { formatFields, formatSection } from '../output/table';
import { formatAge, formatTime } from '../output/time';
import { hubCommand, onHub, withReason } from './hub-command';
import { registerPolicyRolloutCommands } from './policy-rollout.command';
import { type ReadFile, readYamlObject } from './yaml-file';

/** A policy as written in a file for `policy apply` and `policy impact`: PolicyInput. */
export interface PolicyInput {
  name: string;
  description?: string;
  mode?: string;
  scope?: Record<string, unknown>;
  exemptions?: Array<Record<string, unknown>>;
  rules?: Array<Record<string, unknown>>;
}

interface Policy {
  name: string;
  description: string;
  mode: string;
  version: number;
  /** The git source it comes from; null when made through the API. */
  source: string | null;
  scope: Record<string, unknown>;
  exemptions: Array<Record<string, unknown>>;
  rules: Array<Record<string, unknown>>;
  updatedAt: string;
  versions?: Array<{ version: number; savedBy: string; createdAt: string }>;
}

interface Violation {
  cluster: string;
  policy: string;
  rule: string;
  severity: string;
  object: { kind: string; namespace: string; name: string };
  fieldPath: string;
  message: string;
}

interface PolicyImpact {
  mode: string;
  version: number;
  wouldBlock: boolean;
  clusters: number;
  objects: number;
  violations: Violation[];
  byNamespace: Array<{ key: string; objects: number; clusters: number }>;
  byTeam: Array<{ key: string; objects: number; clusters: number }>;
}

const policyFields = 'name description mode version source scope exemptions rules updatedAt';
const listPolicies = `{ policies { ${policyFields} } }`;
const getPolicy = `query($name: String!) { policy(name: $name) { ${policyFields} versions { version savedBy createdAt } } }`;
const savePolicy = (mutation: 'createPolicy' | 'updatePolicy') => `mutation($input: PolicyInput!, $reason: String) { ${mutation}(input: $input, reason: $reason) { ${policyFields} } }`;
const policyImpact = `query($input: PolicyInput!, $teamLabel: String!) { policyImpact(input: $input, teamLabel: $teamLabel) {
  mode version wouldBlock clusters objects violations { cluster policy rule severity object { kind namespace name } fieldPath message }
  byNamespace { key objects clusters } byTeam { key objects clusters } } }`;

const policyKeys = ['name', 'description', 'mode', 'scope', 'exemptions', 'rules'] as const;
const policyModes = ['audit', 'warn', 'enforce'];

/** Reads a policy from YAML or JSON (`-` for stdin), refusing what PolicyInput does not hold, with the file and field named. */
export function readPolicyFile(file: string, read?: ReadFile): PolicyInput {
  const fields = readYamlObject(file, `a policy object { ${policyKeys.join(', ')} }`, read);
  const unknown = Object.keys(fields).find((key) => !(policyKeys as readonly string[]).includes(key));
  if (unknown) throw CliError.invalid(`${file}: field '${unknown}': is not a policy field (${policyKeys.join(', ')})`);
  if (typeof fields['name'] !== 'string' || !fields['name']) throw CliError.invalid(`${file}: field 'name': is required`);
  if (fields['mode'] !== undefined && !policyModes.includes(fields['mode'] as string)) throw CliError.invalid(`${file}: field 'mode': expected one of ${policyModes.join(', ')}`);
  for (const key of ['rules', 'exemptions'] as const) {
    if (fields[key] !== undefined && !Array.isArray(fields[key])) throw CliError.invalid(`${file}: field '${key}': expected a list`);
  }
  return fields as unknown as PolicyInput;
}

/** Creates the policy or, when one of that name exists (CONFLICT), saves it as its next version. */
async function applyPolicy(client: HubClient, input: PolicyInput, reason: string | undefined): Promise<{ policy: Policy; created: boolean }> {
  try {
    return { policy: (await client.request<{ createPolicy: Policy }>(savePolicy('createPolicy'), { input, reason })).createPolicy, created: true };
  } catch (error) {
    if (!(error instanceof CliError && error.exitCode === ExitCode.Conflict)) throw error;
    return { policy: (await client.request<{ updatePolicy: Policy }>(savePolicy('updatePolicy'), { input, reason })).updatePolicy, created: false };
  }
}

const ruleName = (rule: Record<string, unknown>) => String(rule['id'] ?? rule['name'] ?? rule['type'] ?? '?');

const policyList: ListView<Policy> = {
  noun: 'policies',
  columns: [
    { header: 'name', value: (policy) => policy.name },
    { header: 'mode', value: (policy) => policy.mode, state: true },
    { header: 'version', value: (policy) => policy.version },
    { header: 'rules', value: (policy) => policy.rules.map(ruleName).join(',') },
    { header: 'from', value: (policy) => (policy.source ? `git: ${policy.source}` : 'api') },
    { header: 'updated', value: (policy) => formatAge(policy.updatedAt) },
    { header: 'description', value: (policy) => policy.description },
  ],
  name: (policy) => policy.name,
};

const policyDescription: ItemView<Policy> = {
  name: (policy) => policy.name,
  describe: (policy, style) =>
    formatFields(
      [
        ['Name', policy.name],
        ['Description', policy.description],
        ['Mode', policy.mode, true],
        ['Version', policy.version],
        ['From', policy.source ? `git source ${policy.source} (change it there)` : 'the API'],
        ['Scope', Object.keys(policy.scope).length ? JSON.stringify(policy.scope) : 'the whole fleet'],
        ['Exemptions', policy.exemptions.map((exemption) => JSON.stringify(exemption)).join('\n')],
        ['Rules', policy.rules.map((rule) => `${ruleName(rule)} ${JSON.stringify(rule)}`).join('\n')],
        ['Updated', formatTime(policy.updatedAt)],
      ],
      style,
    ) +
    formatSection('Versions', policy.versions ?? [], [
      { header: 'version', value: (version) => version.version },
      { header: 'saved by', value: (version) => version.savedBy },
      { header: 'saved', value: (version) => formatAge(version.createdAt) },
    ], style),
};

const impactDescription: ItemView<PolicyImpact> = {
  name: (impact) => String(impact.version),
  describe: (impact, style) => {
    const groupColumns = (header: string) => [
      { header, value: (group: PolicyImpact['byNamespace'][number]) => group.key, empty: '(none)' },
      { header: 'objects', value: (group: PolicyImpact['byNamespace'][number]) => group.objects },
      { header: 'clusters', value: (group: PolicyImpact['byNamespace'][number]) => group.clusters },
    ];
    return (
      formatFields(
        [
          ['Version', `${impact.version} (mode ${impact.mode})`],
          ['Finds', `${impact.objects} violating object(s) on ${impact.clusters} cluster(s)`],
          ['Would block', impact.wouldBlock ? 'yes: under enforce these clusters would not get new revisions' : 'no'],
        ],
        style,
      ) +
      formatSection('Violations', impact.violations, [
        { header: 'cluster', value: (violation) => violation.cluster },
        { header: 'rule', value: (violation) => violation.rule },
        { header: 'severity', value: (violation) => violation.severity },
        { header: 'object', value: (violation) => [violation.object.kind, violation.object.namespace, violation.object.name].filter(Boolean).join('/') },
        { header: 'message', value: (violation) => violation.message },
      ], style) +
      formatSection('By namespace', impact.byNamespace, groupColumns('namespace'), style) +
      formatSection('By team', impact.byTeam, groupColumns('team'), style)
    );
  },
};

/** `capstan policy list|get|apply|impact`: fleet-wide policies checked on rendered manifests. */
export function registerPolicyCommands(program: Command, runtime: CliRuntime): void {
  const policy = program.command('policy').description('fleet-wide policies, checked on every rendered bundle');
  registerPolicyRolloutCommands(policy, runtime);

  hubCommand(policy, 'list', 'list policies').action(
    onHub(runtime, async ({ client, out }) => {
      out.list((await client.request<{ policies: Policy[] }>(listPolicies)).policies, policyList);
    }),
  );

  hubCommand(policy, 'get', 'show a policy and its versions')
    .argument('<name>', 'policy name')
    .action(
      onHub(runtime, async ({ client, out }, [name]) => {
        out.item((await client.request<{ policy: Policy }>(getPolicy, { name })).policy, policyDescription);
      }),
    );

  withReason(hubCommand(policy, 'apply', 'create a policy from a file, or save it as the next version of the policy of that name').requiredOption('-f, --file <file>', 'YAML or JSON of { name, description, mode, scope, exemptions, rules }; - for stdin')).action(
    onHub<{ file: string; reason?: string }>(runtime, async ({ client, out }, _args, { file, reason }) => {
      const { policy: saved, created } = await applyPolicy(client, readPolicyFile(file), reason);
      out.done(`Policy ${saved.name} ${created ? 'created' : 'updated'}: version ${saved.version}, mode ${saved.mode}.`, saved, saved.name);
    }),
  );

  hubCommand(policy, 'impact', 'what a policy in a file (new, or a new version) would find in what every cluster runs now; changes nothing')
    .requiredOption('-f, --file <file>', 'YAML or JSON of { name, description, mode, scope, exemptions, rules }; - for stdin')
    .option('--team-label <label>', 'the object label that names its team', 'team')
    .action(
      onHub<{ file: string; teamLabel: string }>(runtime, async ({ client, out }, _args, { file, teamLabel }) => {
        out.item((await client.request<{ policyImpact: PolicyImpact }>(policyImpact, { input: readPolicyFile(file), teamLabel })).policyImpact, impactDescription);
      }),
    );
}
