import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { compilePolicy } from './compile';
import { evaluate } from './evaluate';
import { builtinRules } from './builtin/builtin-rules';
import { type BuiltinRuleId, builtinRuleIds, type KubeObject, type Policy } from './types';

const fixtures = join(__dirname, '__fixtures__');
const fixture = (id: string, name: 'compliant' | 'violating'): KubeObject[] =>
  parseAllDocuments(readFileSync(join(fixtures, id, `${name}.yaml`), 'utf8')).map((document) => document.toJS() as KubeObject);

const cluster = { name: 'eu-1', labels: { env: 'prod' }, groups: ['europe'] };
const now = Date.parse('2026-06-01T00:00:00Z');

function violationsOf(id: BuiltinRuleId, objects: KubeObject[], params?: Record<string, unknown>) {
  const policy: Policy = { name: 'baseline', description: 'golden fixtures', mode: 'enforce', scope: {}, exemptions: [], rules: [{ type: 'builtin', id, params }] };
  return evaluate(compilePolicy(policy), { objects, cluster, now });
}

/** [object, fieldPath, message] of each expected violation, in order. */
type Expected = Array<[string, string, string]>;

const golden: Array<[BuiltinRuleId, Record<string, unknown> | undefined, Expected]> = [
  [
    'allow-privilege-escalation',
    undefined,
    [
      ['Deployment/shop/web', 'spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation', 'init container "migrate" must set allowPrivilegeEscalation to false'],
      ['Deployment/shop/web', 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation', 'container "web" must set allowPrivilegeEscalation to false'],
      ['CronJob/shop/report', 'spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation', 'container "report" must set allowPrivilegeEscalation to false'],
    ],
  ],
  [
    'privileged-container',
    undefined,
    [
      ['DaemonSet/kube-system/node-agent', 'spec.template.spec.initContainers[0].securityContext.privileged', 'init container "setup" must not run privileged'],
      ['DaemonSet/kube-system/node-agent', 'spec.template.spec.containers[0].securityContext.privileged', 'container "agent" must not run privileged'],
    ],
  ],
  [
    'added-capabilities',
    undefined,
    [
      ['StatefulSet/data/db', 'spec.template.spec.containers[0].securityContext.capabilities.add[1]', 'container "db" adds capability SYS_ADMIN, which is not allowed'],
      ['StatefulSet/data/db', 'spec.template.spec.containers[0].securityContext.capabilities.add[2]', 'container "db" adds capability NET_RAW, which is not allowed'],
    ],
  ],
  [
    'resources-missing',
    undefined,
    [
      ['Job/shop/backfill', 'spec.template.spec.containers[0].resources.requests.memory', 'container "backfill" has no memory request'],
      ['Job/shop/backfill', 'spec.template.spec.containers[0].resources.limits.memory', 'container "backfill" has no memory limit'],
      ['Job/shop/backfill', 'spec.template.spec.containers[1].resources.requests.cpu', 'container "sidecar" has no cpu request'],
      ['Job/shop/backfill', 'spec.template.spec.containers[1].resources.requests.memory', 'container "sidecar" has no memory request'],
      ['Job/shop/backfill', 'spec.template.spec.containers[1].resources.limits.memory', 'container "sidecar" has no memory limit'],
    ],
  ],
  [
    'image-tag',
    undefined,
    [
      ['ReplicationController/shop/legacy', 'spec.template.spec.containers[0].image', 'container "web" uses image "nginx:latest" with the latest tag'],
      ['ReplicationController/shop/legacy', 'spec.template.spec.containers[1].image', 'container "cache" uses image "registry.example:5000/cache" without a tag (latest)'],
    ],
  ],
  [
    'run-as-non-root',
    undefined,
    [
      ['Deployment/shop/web', 'spec.template.spec.containers[1].securityContext.runAsNonRoot', 'container "root" must run with runAsNonRoot: true'],
      ['Pod/shop/debug', 'spec.securityContext.runAsNonRoot', 'container "debug" must run with runAsNonRoot: true'],
      ['Pod/shop/debug', 'spec.securityContext.runAsNonRoot', 'container "unset" must run with runAsNonRoot: true'],
      ['Pod/shop/plain', 'spec.containers[0].securityContext.runAsNonRoot', 'container "plain" must run with runAsNonRoot: true'],
    ],
  ],
  [
    'read-only-root-filesystem',
    undefined,
    [
      ['Pod/shop/web', 'spec.containers[0].securityContext.readOnlyRootFilesystem', 'container "web" must set readOnlyRootFilesystem to true'],
      ['Pod/shop/web', 'spec.containers[1].securityContext.readOnlyRootFilesystem', 'container "scratch" must set readOnlyRootFilesystem to true'],
    ],
  ],
  ['host-path', undefined, [['DaemonSet/logging/log-shipper', 'spec.template.spec.volumes[1].hostPath', 'volume "varlog" mounts the node\'s path /var/log']]],
  ['host-network', undefined, [['DaemonSet/monitoring/node-exporter', 'spec.template.spec.hostNetwork', "the pod shares the node's network namespace"]]],
  ['host-pid', undefined, [['DaemonSet/monitoring/node-exporter', 'spec.template.spec.hostPID', "the pod shares the node's process namespace"]]],
  ['host-ipc', undefined, [['DaemonSet/monitoring/node-exporter', 'spec.template.spec.hostIPC', "the pod shares the node's IPC namespace"]]],
  [
    'namespace-default-deny',
    undefined,
    [
      ['Namespace/shop', '', 'namespace "shop" has no NetworkPolicy that selects all pods (podSelector: {}) and denies ingress by default'],
      ['Namespace/data', '', 'namespace "data" has no NetworkPolicy that selects all pods (podSelector: {}) and denies ingress by default'],
    ],
  ],
  [
    'required-labels',
    { labels: ['team', 'app.kubernetes.io/name'] },
    [
      ['Deployment/shop/web', "metadata.labels['app.kubernetes.io/name']", 'label app.kubernetes.io/name is missing'],
      ['Service/shop/web', 'metadata.labels.team', 'label team is missing'],
      ['Service/shop/web', "metadata.labels['app.kubernetes.io/name']", 'label app.kubernetes.io/name is missing'],
    ],
  ],
  [
    'service-types',
    undefined,
    [
      ['Service/shop/web', 'spec.type', 'Service type LoadBalancer is not allowed (allowed: ClusterIP)'],
      ['Service/shop/debug', 'spec.type', 'Service type NodePort is not allowed (allowed: ClusterIP)'],
      ['Service/shop/upstream', 'spec.type', 'Service type ExternalName is not allowed (allowed: ClusterIP)'],
    ],
  ],
];

describe('built-in rules over their golden fixtures', () => {
  it('covers every built-in rule, each registered under its own id', () => {
    expect(golden.map(([id]) => id).sort()).toEqual([...builtinRuleIds].sort());
    for (const id of builtinRuleIds) expect(builtinRules[id].id).toBe(id);
  });

  it.each(golden)('%s finds nothing in its compliant fixture', (id, params) => {
    expect(violationsOf(id, fixture(id, 'compliant'), params)).toEqual([]);
  });

  it.each(golden)('%s reports each violation of its violating fixture with the field and a message naming the object', (id, params, expected) => {
    const violations = violationsOf(id, fixture(id, 'violating'), params);
    expect(violations.map((violation) => [`${violation.object.kind}/${violation.object.namespace ? `${violation.object.namespace}/` : ''}${violation.object.name}`, violation.fieldPath, violation.message])).toEqual(
      expected.map(([object, fieldPath, message]) => [object, fieldPath, `${object}: ${fieldPath ? `field ${fieldPath}: ` : ''}${message}`]),
    );
    for (const violation of violations) {
      expect(violation).toMatchObject({ policy: 'baseline', rule: id, severity: builtinRules[id].severity });
      expect(violation.reason).toBeUndefined();
    }
  });
});

describe('built-in rule parameters', () => {
  it.each<[string, BuiltinRuleId, Record<string, unknown>, string, string[]]>([
    ['requireDigest rejects tagged images', 'image-tag', { requireDigest: true }, 'image-tag', ['spec.template.spec.containers[0].image', 'spec.template.spec.containers[1].image']],
    ['allowed capabilities replace the baseline set', 'added-capabilities', { allowed: ['chown', 'NET_BIND_SERVICE'] }, 'added-capabilities', [
      'spec.template.spec.containers[0].securityContext.capabilities.add[1]',
      'spec.template.spec.containers[0].securityContext.capabilities.add[2]',
    ]],
    ['limits can be required for cpu too, requests not at all', 'resources-missing', { requests: [], limits: ['cpu', 'memory'] }, 'resources-missing', [
      'spec.template.spec.containers[0].resources.limits.cpu',
      'spec.template.spec.containers[0].resources.limits.memory',
      'spec.template.spec.containers[1].resources.limits.cpu',
      'spec.template.spec.containers[1].resources.limits.memory',
    ]],
    ['allowed service types', 'service-types', { allowed: ['ClusterIP', 'ExternalName'] }, 'service-types', ['spec.type', 'spec.type']],
    ['required labels only on the given kinds', 'required-labels', { labels: ['team'], kinds: ['Service'] }, 'required-labels', ['metadata.labels.team']],
  ])('%s', (_, id, params, fixtureId, fieldPaths) => {
    expect(violationsOf(id, fixture(fixtureId, 'violating'), params).map((violation) => violation.fieldPath)).toEqual(fieldPaths);
  });

  it('requireDigest accepts only the pinned image', () => {
    expect(violationsOf('image-tag', [fixture('image-tag', 'compliant')[0]], { requireDigest: true }).map((violation) => violation.fieldPath)).toEqual(['spec.template.spec.containers[0].image']);
  });
});
