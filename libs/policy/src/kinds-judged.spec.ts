import { compilePolicy } from './compile';
import { kindsJudged } from './kinds-judged';
import type { GroupKind, PolicyRule, PolicyScope } from './types';

const kindsOf = (rules: PolicyRule[], scope: PolicyScope = {}) => kindsJudged(compilePolicy({ name: 'live', description: '', mode: 'audit', scope, exemptions: [], rules })).map((kind) => `${kind.group}/${kind.kind}`);
const workloads = ['/Pod', '/ReplicationController', 'apps/DaemonSet', 'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'batch/CronJob', 'batch/Job'];
const only = (kinds: GroupKind[]): PolicyScope => ({ kinds });

describe('kinds a policy judges', () => {
  it.each<[string, PolicyRule[], PolicyScope, string[]]>([
    ['a pod-spec rule looks at every workload kind', [{ type: 'builtin', id: 'host-network' }], {}, workloads],
    ['rules sharing kinds name each once', [{ type: 'builtin', id: 'host-network' }, { type: 'builtin', id: 'image-tag' }, { type: 'builtin', id: 'service-types' }], {}, [...workloads.slice(0, 2), '/Service', ...workloads.slice(2)]],
    ['namespace-default-deny looks at Namespaces and NetworkPolicies', [{ type: 'builtin', id: 'namespace-default-deny' }], {}, ['/Namespace', 'networking.k8s.io/NetworkPolicy']],
    ['required-labels without kinds looks at every kind', [{ type: 'builtin', id: 'required-labels', params: { labels: ['team'] } }], {}, ['*/*']],
    ['required-labels with kinds looks at those, in any group', [{ type: 'builtin', id: 'required-labels', params: { labels: ['team'], kinds: ['Deployment'] } }], {}, ['*/Deployment']],
    ['a scope narrows the rules to its kinds', [{ type: 'builtin', id: 'host-network' }], only([{ group: 'apps', kind: 'Deployment' }, { group: '', kind: 'Service' }]), ['apps/Deployment']],
    ['a scope names the kinds a rule of every kind judges', [{ type: 'builtin', id: 'required-labels', params: { labels: ['team'] } }], only([{ group: '', kind: 'ConfigMap' }]), ['/ConfigMap']],
    ['a scope kind in any group meets a rule kind of one group', [{ type: 'builtin', id: 'service-types' }], only([{ group: '*', kind: 'Service' }]), ['/Service']],
    ['a CEL rule without resource rules judges every kind', [{ type: 'cel', name: 'named', validations: [{ expression: 'true' }] }], {}, ['*/*']],
    [
      'a CEL rule judges its resource rules, groups times kinds',
      [{ type: 'cel', name: 'apps', matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet'], operations: ['CREATE'] }] }, validations: [{ expression: 'true' }] }],
      {},
      ['apps/Deployment', 'apps/StatefulSet'],
    ],
    [
      'a CEL resource rule only for DELETE judges nothing',
      [{ type: 'cel', name: 'deletes', matchConstraints: { resourceRules: [{ apiGroups: [''], kinds: ['ConfigMap'], operations: ['DELETE'] }] }, validations: [{ expression: 'true' }] }],
      {},
      [],
    ],
  ])('%s', (_title, rules, scope, expected) => {
    expect(kindsOf(rules, scope)).toEqual(expected);
  });
});
