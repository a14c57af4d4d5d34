import { create } from '@bufbuild/protobuf';
import type { JsonObject } from '@capstan/manifest';
import type { Policy } from '@capstan/policy';
import { type PolicySet, PolicySetSchema } from '@capstan/proto';
import type { ChangeSet } from '@capstan/vocabulary';
import { AdmissionDelivery } from './admission-delivery';
import { startTestCluster, type TestCluster, until } from './testing/simulated-cluster';

const pinnedImages = (mode: Policy['mode'], exemptions: Policy['exemptions'] = []): Policy => ({
  name: 'images',
  description: '',
  mode,
  version: 1,
  scope: {},
  exemptions,
  rules: [
    {
      type: 'cel',
      name: 'pinned',
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment'] }] },
      validations: [{ expression: "object.spec.template.spec.containers.all(c, c.image.contains(':'))", message: 'every image names its tag' }],
    },
  ],
});
const ownerLabel: Policy = {
  name: 'owners',
  description: '',
  mode: 'enforce',
  version: 2,
  scope: {},
  exemptions: [],
  rules: [{ type: 'cel', name: 'owner', validations: [{ expression: "has(object.metadata.labels) && 'owner' in object.metadata.labels" }] }],
};

const setOf = (...policies: Policy[]): PolicySet =>
  create(PolicySetSchema, {
    digest: JSON.stringify(policies),
    policies: policies.map((policy) => ({ name: policy.name, version: policy.version, mode: policy.mode, definitionJson: JSON.stringify(policy) })),
  });

const deployment = (name: string, image: string, labels: Record<string, string> = {}): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default', labels },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } } },
});

describe('admission delivery', () => {
  let test: TestCluster;
  let delivery: AdmissionDelivery;
  let delivered: ChangeSet[];
  let failures: string[];

  const native = (kind: 'ValidatingAdmissionPolicy' | 'ValidatingAdmissionPolicyBinding') =>
    test.cluster
      .listObjects('admissionregistration.k8s.io/v1', kind)
      .map((object) => (object['metadata'] as { name: string }).name)
      .sort();
  const nativeNames = () => [...native('ValidatingAdmissionPolicy'), ...native('ValidatingAdmissionPolicyBinding').map((name) => `binding ${name}`)];

  beforeEach(async () => {
    test = await startTestCluster(false);
    delivered = [];
    failures = [];
    delivery = new AdmissionDelivery(test.resources, 'capstan-system', { delivered: (changeSet) => delivered.push(changeSet), failed: (reason) => failures.push(reason) }, { initialMs: 20, maxMs: 100 });
  });
  afterEach(async () => {
    await delivery.stop();
    await test.server.stop();
  });

  it('applies the CEL rules of enforce policies as Deny bindings with Capstan’s field manager, so the cluster refuses a violating write', async () => {
    delivery.deliver(setOf(pinnedImages('enforce'), ownerLabel));
    await until(() => delivered.length === 1);
    expect(nativeNames()).toEqual(['capstan-images-pinned', 'capstan-owners-owner', 'binding capstan-images-pinned', 'binding capstan-owners-owner']);
    const managers = (test.cluster.findObject({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', name: 'capstan-images-pinned' })?.['metadata'] as { managedFields: Array<{ manager: string; operation: string }> }).managedFields;
    expect(managers).toEqual([expect.objectContaining({ manager: 'capstan', operation: 'Apply' })]);
    expect(() => test.cluster.createObject(deployment('web', 'nginx', { owner: 'shop' }))).toThrow('every image names its tag');
    expect(() => test.cluster.createObject(deployment('web', 'nginx:1.27', { owner: 'shop' }))).not.toThrow();
    // The owners rule judges every kind, but not the agent's own state.
    expect(() => test.cluster.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' } })).toThrow('denied request');
    expect(() => test.cluster.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-system' } })).not.toThrow();
    expect(() => test.cluster.createObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'capstan-policies', namespace: 'capstan-system' } })).not.toThrow();
    expect(failures).toEqual([]);
  });

  it('deletes the native objects of a policy switched to audit or gone, and only Capstan’s', async () => {
    const brought = (name: string, labels: Record<string, string>): JsonObject => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels },
      spec: { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] }, validations: [{ expression: 'true' }] },
    });
    // One an application Capstan deploys brought, one someone applied by hand.
    test.cluster.applyObject(brought('replica-limit', { 'app.kubernetes.io/managed-by': 'capstan' }), { fieldManager: 'capstan' });
    test.cluster.applyObject(brought('by-hand', {}), { fieldManager: 'kubectl' });
    delivery.deliver(setOf(pinnedImages('enforce'), ownerLabel));
    await until(() => delivered.length === 1);

    delivery.deliver(setOf(pinnedImages('audit')));
    await until(() => delivered.length === 2);
    expect(nativeNames()).toEqual(['by-hand', 'replica-limit']);
    expect(delivered[1].entries.map((entry) => `${entry.subject} ${entry.action}`).sort()).toEqual([
      'ValidatingAdmissionPolicy/capstan-images-pinned deleted',
      'ValidatingAdmissionPolicy/capstan-owners-owner deleted',
      'ValidatingAdmissionPolicyBinding/capstan-images-pinned deleted',
      'ValidatingAdmissionPolicyBinding/capstan-owners-owner deleted',
    ]);
    expect(() => test.cluster.createObject(deployment('web', 'nginx'))).not.toThrow();
  });

  it('says which policy cannot be enforced at admission, once, and delivers the others, unchanged when delivered again', async () => {
    const withParams: Policy = { ...ownerLabel, rules: [{ type: 'cel', name: 'owner', params: { key: 'owner' }, validations: [{ expression: 'params.key in object.metadata.labels' }] }] };
    delivery.deliver(setOf(pinnedImages('enforce'), withParams));
    await until(() => delivered.length === 1);
    delivery.redeliver();
    await until(() => delivered.length === 2);
    expect(nativeNames()).toEqual(['capstan-images-pinned', 'binding capstan-images-pinned']);
    expect(delivered[1].entries.map((entry) => entry.action)).toEqual(['unchanged', 'unchanged']);
    expect(failures).toEqual([expect.stringMatching(/^policy owners version 2 cannot be enforced at admission: .*params/)]);
  });

  it('tries again when the cluster cannot be reached, and delivers once it can', async () => {
    const port = Number(new URL(test.server.url).port);
    await test.server.stop();
    delivery.deliver(setOf(pinnedImages('enforce')));
    await until(() => failures.length > 0);
    expect(failures[0]).toMatch(/^ValidatingAdmissionPolicies cannot be delivered: /);
    await test.server.start(port);
    await until(() => delivered.length === 1);
    expect(nativeNames()).toEqual(['capstan-images-pinned', 'binding capstan-images-pinned']);
  });

  it('delivers again without an exemption once it has expired', async () => {
    const expiresAt = new Date(Date.now() + 500).toISOString();
    delivery.deliver(setOf(pinnedImages('enforce', [{ objectSelector: 'legacy=true', reason: 'being migrated', expiresAt }])));
    await until(() => delivered.length === 1);
    expect(() => test.cluster.createObject(deployment('legacy', 'nginx', { legacy: 'true' }))).not.toThrow();
    const conditions = () => JSON.stringify((test.cluster.findObject({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', name: 'capstan-images-pinned' })?.['spec'] as { matchConditions?: unknown }).matchConditions ?? []);
    expect(conditions()).toContain('legacy');
    await until(() => delivered.length === 2, 5_000);
    expect(conditions()).not.toContain('legacy');
    expect(() => test.cluster.createObject(deployment('legacy-2', 'nginx', { legacy: 'true' }))).toThrow('every image names its tag');
  });
});
