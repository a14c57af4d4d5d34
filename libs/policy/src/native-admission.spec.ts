import { compilePolicy } from './compile';
import { evaluate } from './evaluate';
import { isNativeAdmissionObject, nativeAdmissionFor } from './native-admission';
import { PolicyError } from './policy-error';
import type { CelRule, KubeObject, Policy } from './types';
import { type AdmissionObject, exemptionsCondition, namespacedScopeCondition, policyFromValidatingAdmissionPolicy } from './vap';

const pinnedImages: CelRule = {
  type: 'cel',
  name: 'pinned-images',
  matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment'] }] },
  validations: [{ expression: "object.spec.template.spec.containers.all(c, c.image.contains(':'))", message: 'every image names its tag', reason: 'Forbidden' }],
};

const imagesPolicy: Policy = {
  name: 'images',
  description: 'images are pinned',
  mode: 'enforce',
  version: 3,
  scope: { clusterSelector: 'env=prod', namespaces: ['shop'], kinds: [{ group: 'apps', kind: 'Deployment' }] },
  exemptions: [
    { objectSelector: 'legacy=true', reason: 'old images', expiresAt: '2030-01-01T00:00:00Z' },
    { namespaces: ['tools'], reason: 'tools pin nothing' },
  ],
  rules: [{ type: 'builtin', id: 'image-tag' }, pinnedImages],
};

const now = Date.parse('2029-06-01T00:00:00Z');
const afterExpiry = Date.parse('2030-02-01T00:00:00Z');
const cluster = { name: 'prod-1', labels: { env: 'prod' }, groups: [] };
const find = (objects: AdmissionObject[], kind: string) => objects.find((object) => object.kind === kind) as AdmissionObject;
const conditionNamed = (vap: AdmissionObject, name: string) => (vap.spec.matchConditions as Array<{ name: string; expression: string }> | undefined)?.find((condition) => condition.name === name);

describe('native admission for a policy', () => {
  const { objects, redeliverAt } = nativeAdmissionFor(imagesPolicy, { now });
  const vap = find(objects, 'ValidatingAdmissionPolicy');
  const binding = find(objects, 'ValidatingAdmissionPolicyBinding');

  it('gives a ValidatingAdmissionPolicy and a Deny binding per CEL rule, named capstan-<policy>-<rule>, none for built-in rules', () => {
    expect(objects.map((object) => `${object.apiVersion} ${object.kind} ${object.metadata.name}`)).toEqual([
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy capstan-images-pinned-images',
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding capstan-images-pinned-images',
    ]);
    expect(binding.spec).toMatchObject({ policyName: 'capstan-images-pinned-images', validationActions: ['Deny'] });
    expect(vap.spec.validations).toEqual([{ expression: "object.spec.template.spec.containers.all(c, c.image.contains(':'))", message: 'every image names its tag', reason: 'Forbidden' }]);
  });

  it('labels both as Capstan’s and names the policy and version they enforce', () => {
    for (const object of objects) {
      expect(object.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'capstan' });
      expect(object.metadata.annotations).toMatchObject({ 'capstan.io/policy': 'images', 'capstan.io/policy-version': '3' });
      expect(isNativeAdmissionObject(object)).toBe(true);
    }
  });

  it('binds the scope’s namespaces by name and its kinds as resource rules', () => {
    expect(binding.spec.matchResources).toEqual({
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop'] }] },
      resourceRules: [{ apiGroups: ['apps'], apiVersions: ['*'], resources: ['deployments'], operations: ['*'] }],
    });
  });

  it.each<[Policy['mode']]>([['audit'], ['warn']])('gives nothing for a policy in %s mode: only enforce refuses at the door', (mode) => {
    expect(nativeAdmissionFor({ ...imagesPolicy, mode }, { now })).toEqual({ objects: [] });
  });

  it('gives nothing for a policy of built-in rules only', () => {
    expect(nativeAdmissionFor({ ...imagesPolicy, rules: [{ type: 'builtin', id: 'host-network' }] }, { now })).toEqual({ objects: [] });
  });

  it('keeps an exemption until it expires and says when to deliver again without it', () => {
    expect(conditionNamed(vap, exemptionsCondition)?.expression).toContain('"legacy"');
    expect(redeliverAt).toBe(Date.parse('2030-01-01T00:00:00Z'));
    const later = nativeAdmissionFor(imagesPolicy, { now: afterExpiry });
    const laterVap = find(later.objects, 'ValidatingAdmissionPolicy');
    expect(conditionNamed(laterVap, exemptionsCondition)?.expression).not.toContain('"legacy"');
    expect(conditionNamed(laterVap, exemptionsCondition)?.expression).toContain('"tools"');
    expect(later.redeliverAt).toBeUndefined();
  });

  it.each<[string, string[] | undefined, string[] | null]>([
    ['no operations (creates and updates)', undefined, ['CREATE', 'UPDATE']],
    ['every operation', ['*'], ['CREATE', 'UPDATE']],
    ['creates and deletes', ['CREATE', 'DELETE'], ['CREATE']],
    ['deletes only', ['DELETE'], null],
  ])('judges natively only the creates and updates Capstan judges, for a rule naming %s', (_, operations, native) => {
    const rule: CelRule = { ...pinnedImages, matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment'], ...(operations ? { operations } : {}) }] } };
    const delivered = nativeAdmissionFor({ ...imagesPolicy, rules: [rule] }, { now }).objects;
    if (native === null) return expect(delivered).toEqual([]);
    expect((find(delivered, 'ValidatingAdmissionPolicy').spec.matchConstraints as { resourceRules: Array<{ operations: string[] }> }).resourceRules[0].operations).toEqual(native);
  });

  it('gives back the policy’s CEL rule when imported', () => {
    expect(policyFromValidatingAdmissionPolicy(vap, binding)).toStrictEqual({ ...imagesPolicy, rules: [pinnedImages] });
  });

  // What the API server sees: the spec alone, without what only Capstan knows (the annotations).
  const asTheApiServerJudges = (object: KubeObject, namespace?: KubeObject): string[] => {
    const withoutFacts = (native: AdmissionObject): AdmissionObject => ({ ...native, metadata: { name: native.metadata.name } });
    const policy = policyFromValidatingAdmissionPolicy(withoutFacts(vap), withoutFacts(binding));
    return evaluate(compilePolicy(policy), { objects: [object], cluster, namespaces: namespace ? [namespace] : [], now: afterExpiry }).map((violation) => violation.detail);
  };
  const deployment = (namespace: string, image: string, labels: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace, labels },
    spec: { template: { spec: { containers: [{ name: 'web', image }] } } },
  });
  const namespaceObject = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });

  it.each<[string, KubeObject, string[]]>([
    ['refuses an image without a tag in the scope', deployment('shop', 'nginx'), ['every image names its tag']],
    ['admits a pinned image', deployment('shop', 'nginx:1.27'), []],
    ['admits what an exemption covers until the objects are delivered again', deployment('shop', 'nginx', { legacy: 'true' }), []],
  ])('%s', (_, object, refusals) => {
    expect(asTheApiServerJudges(object, namespaceObject('shop'))).toEqual(refusals);
  });

  it('keeps cluster-scoped objects out of a scope listing namespaces, as Capstan does', () => {
    const probe: Policy = { name: 'probe', description: '', mode: 'audit', scope: {}, exemptions: [], rules: [{ type: 'cel', name: 'probe', matchConditions: [conditionNamed(vap, namespacedScopeCondition) as { name: string; expression: string }], validations: [{ expression: 'false' }] }] };
    const objects: KubeObject[] = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } },
      namespaceObject('shop'),
      deployment('shop', 'nginx'),
    ];
    const judged = evaluate(compilePolicy(probe), { objects, cluster, now }).map((violation) => violation.object.kind);
    expect(judged).toEqual(['Namespace', 'Deployment']);
  });

  it('leaves the agent’s own namespace to it: refusing its state would stop Capstan', () => {
    const policy: Policy = { ...imagesPolicy, scope: {}, exemptions: [] };
    const [agentVap, agentBinding] = nativeAdmissionFor(policy, { now, agentNamespace: 'capstan-system' }).objects.map((object) => ({ ...object, metadata: { name: object.metadata.name } }));
    const judged = evaluate(compilePolicy(policyFromValidatingAdmissionPolicy(agentVap, agentBinding)), {
      objects: [deployment('capstan-system', 'capstan/agent'), deployment('shop', 'nginx')],
      cluster,
      now,
    }).map((violation) => violation.object.namespace);
    expect(judged).toEqual(['shop']);
  });

  it('refuses a rule with params: Kubernetes reads params from a resource', () => {
    const withParams: Policy = { ...imagesPolicy, rules: [{ ...pinnedImages, params: { registry: 'example.com' } }] };
    expect(() => nativeAdmissionFor(withParams, { now })).toThrow(PolicyError);
  });

  it.each<[string, AdmissionObject['metadata'], boolean]>([
    ['delivered by Capstan for a policy', { name: 'capstan-images-pinned-images', labels: { 'app.kubernetes.io/managed-by': 'capstan' }, annotations: { 'capstan.io/policy': 'images' } }, true],
    ['brought by an application Capstan deploys', { name: 'replica-limit', labels: { 'app.kubernetes.io/managed-by': 'capstan' } }, false],
    ['made by someone else', { name: 'replica-limit', annotations: { 'capstan.io/policy': 'images' } }, false],
  ])('tells a native object %s', (_, metadata, delivered) => {
    expect(isNativeAdmissionObject({ metadata })).toBe(delivered);
  });
});
