import { compilePolicy } from './compile';
import { evaluate } from './evaluate';
import { PolicyError } from './policy-error';
import type { KubeObject, Policy } from './types';
import { type AdmissionObject, exemptionsCondition, policyFromValidatingAdmissionPolicy, validatingAdmissionPoliciesFor } from './vap';

const replicasPolicy: Policy = {
  name: 'availability',
  description: 'workloads survive a node loss',
  mode: 'enforce',
  version: 4,
  scope: { groups: ['europe'], clusterSelector: 'env=prod', namespaces: ['shop', 'data'], kinds: [{ group: 'apps', kind: 'Deployment' }, { group: 'example.com', kind: 'Widget' }] },
  exemptions: [
    { namespaces: ['data'], objectSelector: 'legacy=true', reason: 'old database', expiresAt: '2026-09-01T00:00:00Z' },
    { objectSelector: 'tier in (batch),!critical', reason: 'batch jobs' },
  ],
  rules: [
    { type: 'builtin', id: 'host-network' },
    {
      type: 'cel',
      name: 'min-replicas',
      severity: 'high',
      failurePolicy: 'Ignore',
      matchConstraints: {
        resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet'] }, { apiGroups: ['example.com'], kinds: ['Widget'], operations: ['CREATE'] }],
        namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
        objectSelector: { matchLabels: { app: 'web' } },
      },
      matchConditions: [{ name: 'not-paused', expression: '!has(object.spec.paused) || !object.spec.paused' }],
      variables: [{ name: 'replicas', expression: 'has(object.spec.replicas) ? object.spec.replicas : 1' }],
      validations: [
        { expression: 'variables.replicas >= 2', message: 'run at least 2 replicas', reason: 'Forbidden', fieldPath: 'spec.replicas' },
        { expression: 'variables.replicas <= 50', messageExpression: "'too many replicas: ' + string(variables.replicas)" },
      ],
    },
  ],
};

const find = (objects: AdmissionObject[], kind: string) => objects.find((object) => object.kind === kind) as AdmissionObject;

describe('ValidatingAdmissionPolicies for a policy', () => {
  const delivered = validatingAdmissionPoliciesFor(replicasPolicy);
  const vap = find(delivered, 'ValidatingAdmissionPolicy');
  const binding = find(delivered, 'ValidatingAdmissionPolicyBinding');

  it('gives one policy and one binding per CEL rule, none for built-in rules', () => {
    expect(delivered.map((object) => `${object.apiVersion} ${object.kind} ${object.metadata.name}`)).toEqual([
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy availability-min-replicas',
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding availability-min-replicas',
    ]);
  });

  it('states the rule in Kubernetes terms: resources, operations, selectors, expressions', () => {
    expect(vap.spec).toMatchObject({
      failurePolicy: 'Ignore',
      matchConstraints: {
        resourceRules: [
          { apiGroups: ['apps'], apiVersions: ['*'], resources: ['deployments', 'statefulsets'], operations: ['CREATE', 'UPDATE'] },
          { apiGroups: ['example.com'], apiVersions: ['*'], resources: ['widgets'], operations: ['CREATE'] },
        ],
        namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
        objectSelector: { matchLabels: { app: 'web' } },
      },
      variables: [{ name: 'replicas', expression: 'has(object.spec.replicas) ? object.spec.replicas : 1' }],
      validations: [
        { expression: 'variables.replicas >= 2', message: 'run at least 2 replicas', reason: 'Forbidden' },
        { expression: 'variables.replicas <= 50', messageExpression: "'too many replicas: ' + string(variables.replicas)" },
      ],
    });
    expect(binding.spec).toEqual({
      policyName: 'availability-min-replicas',
      validationActions: ['Deny'],
      matchResources: {
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop', 'data'] }] },
        resourceRules: [
          { apiGroups: ['apps'], apiVersions: ['*'], resources: ['deployments'], operations: ['*'] },
          { apiGroups: ['example.com'], apiVersions: ['*'], resources: ['widgets'], operations: ['*'] },
        ],
      },
    });
  });

  it.each<[Policy['mode'], string]>([
    ['enforce', 'Deny'],
    ['warn', 'Warn'],
    ['audit', 'Audit'],
  ])('binds a policy in %s mode with validationActions %s', (mode, action) => {
    expect(find(validatingAdmissionPoliciesFor({ ...replicasPolicy, mode }), 'ValidatingAdmissionPolicyBinding').spec.validationActions).toEqual([action]);
  });

  it('carries the exemptions as a match condition that exempts what evaluation exempts', () => {
    const conditions = vap.spec.matchConditions as Array<{ name: string; expression: string }>;
    const exemption = conditions.find((condition) => condition.name === exemptionsCondition);
    if (!exemption) throw new Error('no exemptions condition');
    // The condition is CEL this library compiles; judged on objects, it holds exactly for those not exempt.
    const probe: Policy = { name: 'probe', description: '', mode: 'audit', scope: {}, exemptions: [], rules: [{ type: 'cel', name: 'probe', matchConditions: [exemption], validations: [{ expression: 'false' }] }] };
    const object = (name: string, namespace: string, labels: Record<string, string>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels } });
    const objects = [
      object('legacy-db', 'data', { legacy: 'true' }),
      object('legacy-shop', 'shop', { legacy: 'true' }),
      object('batch', 'shop', { tier: 'batch' }),
      object('critical-batch', 'shop', { tier: 'batch', critical: 'yes' }),
      object('plain', 'shop', {}),
    ];
    const judged = evaluate(compilePolicy(probe), { objects, cluster: { name: 'c', labels: {}, groups: [] }, now: 0 }).map((violation) => violation.object.name);
    expect(judged).toEqual(['legacy-shop', 'critical-batch', 'plain']);
  });

  it('leaves out exemptions expired at the given time', () => {
    const [later] = validatingAdmissionPoliciesFor(replicasPolicy, { now: Date.parse('2026-10-01T00:00:00Z') });
    const condition = (later.spec.matchConditions as Array<{ name: string; expression: string }>).find((entry) => entry.name === exemptionsCondition);
    expect(condition?.expression).not.toContain('"data"');
    expect(condition?.expression).toContain('"batch"');
  });

  it('refuses a rule with params: Kubernetes reads params from a resource', () => {
    const withParams: Policy = { ...replicasPolicy, rules: [{ type: 'cel', name: 'max', params: { max: 3 }, validations: [{ expression: 'object.spec.replicas <= params.max' }] }] };
    expect(() => validatingAdmissionPoliciesFor(withParams)).toThrow(PolicyError);
    expect(() => validatingAdmissionPoliciesFor(withParams)).toThrow('rule "max" (rules[0].params)');
  });
});

describe('a policy from a ValidatingAdmissionPolicy', () => {
  it('gives back the policy it was delivered from (its CEL rule)', () => {
    const [vap, binding] = validatingAdmissionPoliciesFor(replicasPolicy);
    expect(policyFromValidatingAdmissionPolicy(vap, binding)).toEqual({ ...replicasPolicy, rules: [replicasPolicy.rules[1]] });
  });

  it('gives back a rule with no resource rules, messages or selectors', () => {
    const minimal: Policy = { name: 'labels', description: '', mode: 'audit', scope: {}, exemptions: [], rules: [{ type: 'cel', name: 'owner', validations: [{ expression: "has(object.metadata.labels) && 'owner' in object.metadata.labels" }] }] };
    const [vap, binding] = validatingAdmissionPoliciesFor(minimal);
    expect(vap.spec.matchConstraints).toEqual({ resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], operations: ['CREATE', 'UPDATE'] }] });
    expect(policyFromValidatingAdmissionPolicy(vap, binding)).toEqual(minimal);
  });

  // The example of the Kubernetes documentation, with a binding that only warns and audits.
  const upstream: AdmissionObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'demo-policy.example.com' },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
      validations: [{ expression: 'object.spec.replicas <= 5' }],
    },
  };
  const upstreamBinding: AdmissionObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'demo-binding-test.example.com' },
    spec: { policyName: 'demo-policy.example.com', validationActions: ['Warn', 'Audit'], matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } } },
  };

  it('reads a policy written for Kubernetes', () => {
    expect(policyFromValidatingAdmissionPolicy(upstream, upstreamBinding)).toEqual({
      name: 'demo-policy.example.com',
      description: '',
      mode: 'warn',
      scope: {},
      exemptions: [],
      rules: [
        {
          type: 'cel',
          name: 'demo-policy.example.com',
          matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment'], operations: ['CREATE', 'UPDATE'] }], namespaceSelector: { matchLabels: { environment: 'test' } } },
          validations: [{ expression: 'object.spec.replicas <= 5' }],
        },
      ],
    });
  });

  it('compiles and evaluates what it read', () => {
    const policy = compilePolicy(policyFromValidatingAdmissionPolicy(upstream, upstreamBinding));
    const deployment = (replicas: number): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `web-${replicas}`, namespace: 'shop' }, spec: { replicas } });
    const namespaces: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { environment: 'test' } } }];
    const violations = evaluate(policy, { objects: [deployment(3), deployment(7)], namespaces, cluster: { name: 'c', labels: {}, groups: [] }, now: 0 });
    expect(violations.map((violation) => violation.message)).toEqual(['Deployment/shop/web-7: failed expression: object.spec.replicas <= 5']);
  });

  it.each<[string[], Policy['mode']]>([
    [['Deny'], 'enforce'],
    [['Warn', 'Deny'], 'enforce'],
    [['Warn'], 'warn'],
    [['Audit'], 'audit'],
  ])('takes validationActions %p as mode %s', (validationActions, mode) => {
    expect(policyFromValidatingAdmissionPolicy(upstream, { ...upstreamBinding, spec: { ...upstreamBinding.spec, validationActions } }).mode).toBe(mode);
  });

  it('is in audit mode without a binding', () => {
    expect(policyFromValidatingAdmissionPolicy(upstream).mode).toBe('audit');
  });

  it('survives a conversion back and forth', () => {
    const policy = policyFromValidatingAdmissionPolicy(upstream, upstreamBinding);
    const [vap, binding] = validatingAdmissionPoliciesFor(policy);
    expect(policyFromValidatingAdmissionPolicy(vap, binding)).toEqual(policy);
  });

  it.each<[string, AdmissionObject, string]>([
    ['params from a resource', { ...upstream, spec: { ...upstream.spec, paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } } }, 'spec.paramKind'],
    ['excluded resources', { ...upstream, spec: { ...upstream.spec, matchConstraints: { resourceRules: [], excludeResourceRules: [{ resources: ['pods'] }] } } }, 'spec.matchConstraints.excludeResourceRules'],
    ['a subresource', { ...upstream, spec: { ...upstream.spec, matchConstraints: { resourceRules: [{ apiGroups: ['apps'], resources: ['deployments/scale'] }] } } }, 'subresource "deployments/scale"'],
    ['a resource whose kind is unknown', { ...upstream, spec: { ...upstream.spec, matchConstraints: { resourceRules: [{ apiGroups: ['example.com'], resources: ['gadgets'] }] } } }, 'resource "gadgets" has no known kind'],
    ['something else', { ...upstream, kind: 'ConfigMap' }, 'not a ValidatingAdmissionPolicy'],
  ])('refuses %s with a PolicyError', (_, vap, message) => {
    expect(() => policyFromValidatingAdmissionPolicy(vap)).toThrow(PolicyError);
    expect(() => policyFromValidatingAdmissionPolicy(vap)).toThrow(message);
  });
});
