import { nativeAdmissionFor, type Policy } from '@capstan/policy';
import { SimulatedCluster } from './cluster';
import type { JsonObject } from './json';

const pinnedImages: Policy = {
  name: 'images',
  description: '',
  mode: 'enforce',
  // Only the hub reads which clusters a policy is for; the cluster it was delivered to judges every request.
  scope: { clusterSelector: 'env=prod', namespaces: ['shop'] },
  exemptions: [],
  rules: [
    {
      type: 'cel',
      name: 'pinned',
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment'] }] },
      validations: [{ expression: "object.spec.template.spec.containers.all(c, c.image.contains(':'))", message: 'every image names its tag' }],
    },
  ],
};

const deployment = (namespace: string, image: string): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
});

describe('validating admission of the policies Capstan delivers', () => {
  const cluster = new SimulatedCluster('prod-1');
  for (const name of ['shop', 'tools']) cluster.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const object of nativeAdmissionFor(pinnedImages, { now: Date.now() }).objects) cluster.applyObject(object as unknown as JsonObject, { fieldManager: 'capstan' });

  it('refuses a violating create in the scope with the policy’s message, whatever clusters the policy is for', () => {
    expect(() => cluster.createObject(deployment('shop', 'nginx'))).toThrow(
      "ValidatingAdmissionPolicy 'capstan-images-pinned' with binding 'capstan-images-pinned' denied request: every image names its tag",
    );
  });

  it.each([
    ['a compliant object', deployment('shop', 'nginx:1.27')],
    ['a violating object outside the scope’s namespaces', deployment('tools', 'nginx')],
  ])('admits %s', (_, object) => {
    expect(() => cluster.createObject(object)).not.toThrow();
  });
});
