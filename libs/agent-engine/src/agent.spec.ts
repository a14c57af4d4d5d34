import { once } from 'node:events';
import { create } from '@bufbuild/protobuf';
import type { JsonObject } from '@capstan/manifest';
import type { Policy } from '@capstan/policy';
import { HealPolicy, PolicySetSchema } from '@capstan/proto';
import { Agent, type AgentOptions, defaultAgentOptions } from './agent';
import { DesiredStateCache } from './desired-state-cache';
import { FakeHub } from './testing/fake-hub';
import { startTestCluster, type TestCluster, until } from './testing/simulated-cluster';

const web: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'shop/web:1.0' }] } } },
};
const settings: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'fast' } };
const webRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' };
const settingsRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'default' };

describe('an agent', () => {
  let test: TestCluster;
  let hub: FakeHub;
  const agents: Agent[] = [];
  const startAgent = async (options: Partial<AgentOptions> = {}) => {
    const agent = new Agent({ ...defaultAgentOptions(), hub: { address: hub.address, insecure: true }, hubPublicKey: hub.publicKey, credential: hub.credential, kubeConfig: test.kubeConfig, reconnectInitialMs: 20, reconnectMaxMs: 200, ...options });
    agents.push(agent);
    await agent.start();
    return agent;
  };

  beforeEach(async () => {
    test = await startTestCluster();
    hub = await FakeHub.start();
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.stop()));
    hub.stop();
    await test.server.stop();
  });

  it('tells the hub a drift has ended and who ended it, until the hub acknowledges it, also across a reconnect', async () => {
    hub.setApplications({ shop: { objects: [settings], revision: 'r1' } });
    const agent = await startAgent();
    await until(() => test.cluster.findObject(settingsRef) !== undefined);
    await until(() => hub.bodies('status').some((status) => status.application === 'shop'));
    const drifted = once(agent, 'drift');
    test.cluster.editObject(settingsRef, { data: { mode: 'hand-edited' } });
    await drifted;
    await until(() => hub.bodies('drift').length === 1);
    expect(hub.bodies('drift')[0]).toMatchObject({ application: 'shop', revision: 'r1', fields: [{ path: 'data.mode', changedBy: 'kubectl-edit' }] });

    hub.acknowledging = false;
    test.cluster.editObject(settingsRef, { data: { mode: 'fast' } });
    await until(() => hub.bodies('driftResolved').length === 1);
    expect(hub.bodies('driftResolved')[0]).toMatchObject({ application: 'shop', revision: 'r1', restoredBy: 'kubectl-edit', object: { kind: 'ConfigMap', name: 'settings' } });
    const [sent] = hub.received.filter((message) => message.body.case === 'driftResolved');

    hub.stop();
    await hub.restart();
    await until(() => hub.bodies('driftResolved').length === 2);
    const [, resent] = hub.received.filter((message) => message.body.case === 'driftResolved');
    expect([resent.sequence, resent.incarnation]).toEqual([sent.sequence, sent.incarnation]);
    // A later drift of the same object is a report of its own.
    hub.acknowledging = true;
    test.cluster.editObject(settingsRef, { data: { mode: 'hand-edited' } });
    await until(() => hub.bodies('drift').length === 2);
  });

  it('applies a digest it applied before again after a failed apply in between', async () => {
    hub.setApplications({ shop: { objects: [settings] } });
    const agent = await startAgent();
    await once(agent, 'synced');
    const applies: Array<Array<[string, string]>> = [];
    agent.on('synced', (_application: string, changeSet: { entries: Array<{ subject: string; action: string }> }) => applies.push(changeSet.entries.map((entry) => [entry.subject, entry.action])));
    hub.setApplications({ shop: { objects: [settings, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'invalid', namespace: 'default', labels: { app: 'not valid!' } } }] } });
    await until(() => applies.length === 1);
    hub.setApplications({ shop: { objects: [settings] } });
    await until(() => applies.length === 2);
    expect(applies).toEqual([
      [
        ['ConfigMap/default/settings', 'unchanged'],
        ['ConfigMap/default/invalid', 'failed'],
      ],
      [['ConfigMap/default/settings', 'unchanged']],
    ]);
  });

  it('says in its status which kind it cannot watch, until it can', async () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'blue', namespace: 'default' }, spec: { colour: 'blue' } };
    hub.setApplications({ shop: { objects: [settings, widget] } });
    await startAgent();
    await until(() => hub.bodies('status').some((status) => status.watchError !== ''));
    expect(hub.bodies('status').at(-1)?.watchError).toBe('Widget in default: the cluster does not serve Widget in example.com/v1');
    test.cluster.createObject({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }] },
    });
    await until(() => hub.bodies('status').at(-1)?.watchError === '');
  });

  it('says so when the hub refuses its credential, and waits the longest interval before trying again', async () => {
    hub.refuseCredentials = 'the credential of cluster east was revoked';
    const agent = new Agent({ ...defaultAgentOptions(), hub: { address: hub.address, insecure: true }, hubPublicKey: hub.publicKey, credential: hub.credential, kubeConfig: test.kubeConfig, reconnectInitialMs: 20, reconnectMaxMs: 60_000 });
    agents.push(agent);
    const refused = once(agent, 'credentialRefused');
    await agent.start();
    expect(await refused).toEqual(['the credential of cluster east was revoked', 60_000]);
  });

  it('keeps to the ignore rules it last received when restarted with the hub away', async () => {
    hub.setApplications({ shop: { objects: [web], healPolicy: HealPolicy.AUTO, ignoreRules: [{ jsonPointer: '/spec/replicas', kind: 'Deployment' }] } });
    const first = await startAgent();
    await until(() => test.cluster.findObject(webRef) !== undefined);
    await first.stop();
    hub.stop();

    const replicas = () => (test.cluster.findObject(webRef)?.['spec'] as { replicas: number }).replicas;
    test.cluster.editObject(webRef, { spec: { replicas: 5 } }, { fieldManager: 'hpa-controller' });
    const restarted = new Agent({ ...defaultAgentOptions(), hub: { address: hub.address, insecure: true }, hubPublicKey: hub.publicKey, credential: hub.credential, kubeConfig: test.kubeConfig });
    agents.push(restarted);
    const synced = once(restarted, 'synced');
    await restarted.start();
    await synced;
    expect(replicas()).toBe(5);

    // Cut off from the hub it still heals under the last policy, but not what an ignore rule gives away.
    const healed = once(restarted, 'healed');
    test.cluster.editObject(webRef, { spec: { replicas: 6, template: { spec: { containers: [{ name: 'web', image: 'shop/web:hotfix' }] } } } }, { fieldManager: 'hpa-controller' });
    await healed;
    const container = () => (test.cluster.findObject(webRef)?.['spec'] as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0];
    await until(() => container().image === 'shop/web:1.0');
    expect(replicas()).toBe(6);
  });

  it('delivers the enforce policies it last received to the cluster’s admission when started with the hub away', async () => {
    const pinned: Policy = {
      name: 'images',
      description: '',
      mode: 'enforce',
      version: 1,
      scope: {},
      exemptions: [],
      rules: [{ type: 'cel', name: 'pinned', matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment'] }] }, validations: [{ expression: "object.spec.template.spec.containers.all(c, c.image.contains(':'))" }] }],
    };
    test.cluster.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-system' } });
    await new DesiredStateCache(test.resources, 'capstan-system').writePolicies(create(PolicySetSchema, { digest: 'd1', policies: [{ name: 'images', version: 1, mode: 'enforce', definitionJson: JSON.stringify(pinned) }] }));
    hub.stop();
    const agent = new Agent({ ...defaultAgentOptions(), hub: { address: hub.address, insecure: true }, hubPublicKey: hub.publicKey, credential: hub.credential, kubeConfig: test.kubeConfig });
    agents.push(agent);
    const delivered = once(agent, 'admissionDelivered');
    await agent.start();
    await delivered;
    expect(test.cluster.findObject({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', name: 'capstan-images-pinned' })?.['spec']).toMatchObject({ validationActions: ['Deny'] });
    const unpinned = JSON.parse(JSON.stringify(web).replace('shop/web:1.0', 'shop/web')) as JsonObject;
    expect(() => test.cluster.createObject(unpinned)).toThrow("ValidatingAdmissionPolicy 'capstan-images-pinned' with binding 'capstan-images-pinned' denied request");
  });
});
