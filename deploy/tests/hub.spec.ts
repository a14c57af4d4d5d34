/** The hub's kustomize base and Helm chart render, a Kubernetes API server accepts them, and Capstan's built-in policies pass them. */
import { builtinRuleViolations } from '@capstan/agent-install/src/testing/builtin-policy';
import { capstanRender, helm, helmTemplate, kubectl, objectsByIdentity, SimulatedClusters } from './deploy-fixture';

// The Prometheus Operator's CRD, reduced to what an API server needs to accept ServiceMonitors.
const serviceMonitorCrd = JSON.stringify({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
});

const helmValues = { publicGrpcAddress: 'hub.example.com:4001', serviceMonitor: { enabled: true } };
const withServiceMonitors = ['--namespace', 'capstan-hub', '--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor'];

const describeWithBinaries = kubectl.path && helm.path ? describe : describe.skip;
if (!kubectl.path || !helm.path) console.log(`deploy hub suite skipped: ${kubectl.reason ?? helm.reason}`);

describeWithBinaries('installing the hub', () => {
  const clusters = new SimulatedClusters();
  beforeAll(() => clusters.start());
  afterAll(() => clusters.stop());

  /** Applies `yaml` server-side to a new cluster that serves ServiceMonitors and holds the hub's namespace, expecting success. */
  async function expectApplied(yaml: string): Promise<void> {
    const kube = await clusters.cluster();
    expect(await kube(['apply', '--server-side', '-f', '-'], serviceMonitorCrd)).toMatchObject({ code: 0 });
    expect(await kube(['wait', '--for=condition=Established', 'crd/servicemonitors.monitoring.coreos.com'])).toMatchObject({ code: 0 });
    expect(await kube(['create', 'namespace', 'capstan-hub'])).toMatchObject({ code: 0 });
    const applied = await kube(['apply', '--server-side', '--force-conflicts', '-f', '-'], yaml);
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(applied.stdout).toContain('deployment.apps/capstan-hub serverside-applied');
  }

  it.each([
    ['the kustomize base', 'deploy/hub/kustomize/base', 8],
    ['the kustomize example, with its ServiceMonitor', 'deploy/hub/kustomize/example', 9],
  ])('renders %s through capstan render, accepted and within the policies', async (_case, dir, count) => {
    const rendered = await capstanRender(dir);
    const objects = [...objectsByIdentity(rendered).values()];
    expect(objects).toHaveLength(count);
    expect(objects.every((object) => object.kind === 'Namespace' || (object.metadata as { namespace?: string }).namespace === 'capstan-hub')).toBe(true);
    expect(builtinRuleViolations(objects)).toEqual([]);
    await expectApplied(rendered);
  });

  it('renders the Helm chart, accepted and within the policies', async () => {
    const rendered = await helmTemplate('deploy/hub/helm/capstan-hub', helmValues, withServiceMonitors);
    const objects = objectsByIdentity(rendered);
    expect(objects.get('ServiceMonitor/capstan-hub/capstan-hub')).toBeDefined();
    expect(builtinRuleViolations([...objects.values()])).toEqual([]);
    await expectApplied(rendered);
  });

  it('leaves the ServiceMonitor out of the Helm chart where the cluster does not serve ServiceMonitors', async () => {
    const objects = objectsByIdentity(await helmTemplate('deploy/hub/helm/capstan-hub', helmValues, ['--namespace', 'capstan-hub']));
    expect([...objects.keys()].filter((identity) => identity.startsWith('ServiceMonitor'))).toEqual([]);
  });

  it('gives with the kustomize example and the Helm chart the same hub Deployment', async () => {
    const kustomized = objectsByIdentity(await capstanRender('deploy/hub/kustomize/example')).get('Deployment/capstan-hub/capstan-hub');
    const charted = objectsByIdentity(await helmTemplate('deploy/hub/helm/capstan-hub', helmValues, withServiceMonitors)).get('Deployment/capstan-hub/capstan-hub');
    expect(charted).toEqual(kustomized);
  });
});
