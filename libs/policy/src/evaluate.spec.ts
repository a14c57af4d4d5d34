import { compilePolicy } from './compile';
import { evaluate } from './evaluate';
import { PolicyError } from './policy-error';
import type { KubeObject, Policy, PolicyCluster, PolicyExemption, PolicyScope } from './types';

const now = Date.parse('2026-06-01T12:00:00Z');
const prodEu: PolicyCluster = { name: 'eu-1', labels: { env: 'prod', tier: 'a' }, groups: ['europe'] };

const service = (namespace: string, name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, labels }, spec: { type: 'NodePort' } });
const objects: KubeObject[] = [
  service('shop', 'web', { team: 'checkout' }),
  service('shop', 'legacy', { team: 'checkout', legacy: 'true' }),
  service('data', 'db', { team: 'data' }),
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'checkout' } } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { spec: { hostNetwork: true, containers: [] } } } },
];

function policy(scope: PolicyScope, exemptions: PolicyExemption[] = []): Policy {
  return {
    name: 'exposure',
    description: 'no node ports, no host network',
    mode: 'warn',
    scope,
    exemptions,
    rules: [
      { type: 'builtin', id: 'service-types' },
      { type: 'builtin', id: 'host-network', severity: 'critical' },
    ],
  };
}

/** `Kind/namespace/name rule` of each violation. */
const judged = (candidate: Policy, cluster = prodEu) =>
  evaluate(compilePolicy(candidate), { objects, cluster, now }).map((violation) => `${violation.object.kind}/${violation.object.namespace}/${violation.object.name} ${violation.rule}`);

const everything = ['Service/shop/web service-types', 'Service/shop/legacy service-types', 'Service/data/db service-types', 'Deployment/shop/web host-network'];

describe('scope', () => {
  it.each<[string, PolicyScope, PolicyCluster, string[]]>([
    ['an empty scope is the whole fleet', {}, prodEu, everything],
    ['a cluster in one of the groups', { groups: ['america', 'europe'] }, prodEu, everything],
    ['a cluster in none of the groups gets nothing', { groups: ['america'] }, prodEu, []],
    ['a cluster matching the selector', { clusterSelector: 'env=prod,tier in (a,b)' }, prodEu, everything],
    ['a cluster not matching the selector gets nothing', { clusterSelector: 'env=prod,tier in (a,b)' }, { ...prodEu, labels: { env: 'prod', tier: 'c' } }, []],
    ['groups and selector must both hold', { groups: ['europe'], clusterSelector: 'env=staging' }, prodEu, []],
    ['only the namespaces listed', { namespaces: ['data'] }, prodEu, ['Service/data/db service-types']],
    ['only the kinds listed', { kinds: [{ group: 'apps', kind: 'Deployment' }] }, prodEu, ['Deployment/shop/web host-network']],
    ['"*" matches any group', { kinds: [{ group: '*', kind: 'Service' }] }, prodEu, everything.slice(0, 3)],
  ])('%s', (_, scope, cluster, expected) => {
    expect(judged(policy(scope), cluster)).toEqual(expected);
  });

  it('keeps each rule’s severity or its override', () => {
    const violations = evaluate(compilePolicy(policy({})), { objects, cluster: prodEu, now });
    expect(violations.map((violation) => violation.severity)).toEqual(['medium', 'medium', 'medium', 'critical']);
  });
});

describe('exemptions', () => {
  it.each<[string, PolicyExemption[], string[]]>([
    ['a namespace is exempt', [{ namespaces: ['shop'], reason: 'migrating' }], ['Service/data/db service-types']],
    ['objects matching a selector are exempt', [{ objectSelector: 'legacy=true', reason: 'old ingress' }], everything.filter((entry) => !entry.includes('legacy'))],
    ['namespace and selector must both hold', [{ namespaces: ['data'], objectSelector: 'legacy=true', reason: 'none match' }], everything],
    ['an exemption that has not expired applies', [{ namespaces: ['shop'], reason: 'until July', expiresAt: '2026-07-01T00:00:00Z' }], ['Service/data/db service-types']],
    ['an expired exemption no longer applies', [{ namespaces: ['shop'], reason: 'until May', expiresAt: '2026-05-01T00:00:00Z' }], everything],
    ['an exemption expiring exactly now no longer applies', [{ namespaces: ['shop'], reason: 'until noon', expiresAt: '2026-06-01T12:00:00Z' }], everything],
  ])('%s', (_, exemptions, expected) => {
    expect(judged(policy({}, exemptions))).toEqual(expected);
  });

  it('exempts a namespace from a rule judged over the whole input', () => {
    const defaultDeny: Policy = { ...policy({}), rules: [{ type: 'builtin', id: 'namespace-default-deny' }] };
    expect(judged(defaultDeny)).toEqual(['Namespace//shop namespace-default-deny', 'Namespace//data namespace-default-deny']);
    expect(judged({ ...defaultDeny, exemptions: [{ namespaces: ['shop'], reason: 'legacy' }] })).toEqual(['Namespace//data namespace-default-deny']);
    expect(judged({ ...defaultDeny, scope: { namespaces: ['shop'] } })).toEqual(['Namespace//shop namespace-default-deny']);
  });
});

describe('compiling a policy a client sent', () => {
  const valid = policy({});
  it.each<[string, unknown, string, string]>([
    ['an unknown built-in id', { ...valid, rules: [{ type: 'builtin', id: 'no-such-rule' }] }, 'UnknownRule', 'policy "exposure": rule "no-such-rule" (rules[0].id): "no-such-rule" is not a built-in rule'],
    ['an unknown parameter', { ...valid, rules: [{ type: 'builtin', id: 'host-pid', params: { strict: true } }] }, 'InvalidParams', 'rule "host-pid" (rules[0].params.strict): unknown parameter (this rule takes none)'],
    ['a parameter of the wrong type', { ...valid, rules: [{ type: 'builtin', id: 'service-types', params: { allowed: 'ClusterIP' } }] }, 'InvalidParams', '(rules[0].params.allowed): must be a list of strings'],
    ['a service type that does not exist', { ...valid, rules: [{ type: 'builtin', id: 'service-types', params: { allowed: ['Public'] } }] }, 'InvalidParams', '"Public" is not one of ClusterIP, NodePort, LoadBalancer, ExternalName'],
    ['required labels without labels', { ...valid, rules: [{ type: 'builtin', id: 'required-labels' }] }, 'InvalidParams', '(rules[0].params.labels): required'],
    ['a bad cluster selector', { ...valid, scope: { clusterSelector: 'env in (prod' } }, 'InvalidSelector', 'scope.clusterSelector: invalid label selector "env in (prod" at position 12'],
    ['a bad exemption selector', { ...valid, exemptions: [{ objectSelector: 'a in (b', reason: 'x' }] }, 'InvalidSelector', 'exemptions[0].objectSelector'],
    ['an exemption of everything', { ...valid, exemptions: [{ reason: 'lazy' }] }, 'InvalidPolicy', 'exemptions[0]: must name namespaces or an objectSelector'],
    ['an exemption without a reason', { ...valid, exemptions: [{ namespaces: ['a'], reason: ' ' }] }, 'InvalidPolicy', 'exemptions[0].reason: required'],
    ['an expiry that is not a time', { ...valid, exemptions: [{ namespaces: ['a'], reason: 'x', expiresAt: 'next week' }] }, 'InvalidPolicy', 'exemptions[0].expiresAt: "next week" is not an ISO 8601 time'],
    ['an unknown mode', { ...valid, mode: 'block' }, 'InvalidPolicy', 'mode: "block" is not one of audit, warn, enforce'],
    ['an unknown severity', { ...valid, rules: [{ type: 'builtin', id: 'host-pid', severity: 'urgent' }] }, 'InvalidPolicy', 'rule "host-pid" (rules[0].severity)'],
    ['a rule twice', { ...valid, rules: [{ type: 'builtin', id: 'host-pid' }, { type: 'builtin', id: 'host-pid' }] }, 'InvalidPolicy', 'rule "host-pid" (rules[1]): a policy names each rule once'],
    ['no rules', { ...valid, rules: [] }, 'InvalidPolicy', 'rules: required'],
    ['an unknown rule type', { ...valid, rules: [{ type: 'rego', name: 'x' }] }, 'InvalidPolicy', 'rules[0].type: "rego" is not builtin or cel'],
    ['a kind without a name', { ...valid, scope: { kinds: [{ group: 'apps' }] } }, 'InvalidPolicy', 'scope.kinds'],
    ['not an object at all', null, 'InvalidPolicy', 'must be an object'],
  ])('rejects %s with a PolicyError naming the field', (_, candidate, code, message) => {
    let thrown: unknown;
    try {
      compilePolicy(candidate as Policy);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    expect(thrown).toMatchObject({ code });
    expect((thrown as Error).message).toContain(message);
  });
});
