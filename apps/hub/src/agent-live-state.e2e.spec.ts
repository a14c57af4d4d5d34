import { once } from 'node:events';
import { Agent, defaultAgentOptions } from '@capstan/agent-engine';
import { buildKubeconfig, KubeSimServer } from '@capstan/kube-sim';
import { KubeConfig } from '@kubernetes/client-node';
import { TestGitRepository } from './testing/git-repository';
import { startTestFleet, type TestFleet } from './testing/test-fleet';
import { startTestHub, type TestHub } from './testing/test-hub';
import { eventually, until } from './testing/wait';

const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n`;
const configMap = (name: string, labels = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${labels}data:\n  mode: fast\n`;
const kustomization = (...resources: string[]) => `namespace: shop\nresources:\n${['namespace.yaml', ...resources].map((resource) => `  - ${resource}\n`).join('')}`;

const manifests = {
  'apps/web/kustomization.yaml': kustomization('web.yaml', 'first.yaml', 'second.yaml'),
  'apps/web/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
  'apps/web/web.yaml': deployment('shop/web:1.0'),
  'apps/web/first.yaml': configMap('first'),
  'apps/web/second.yaml': configMap('second'),
};

interface ApplicationView {
  application: string;
  health: string;
  syncState: string;
  watchError: string | null;
  resources: Array<{ kind: string; name: string; health: string; syncState: string }>;
}

describe('what the hub says of a cluster, as its agent sees it live', () => {
  let fleet: TestFleet;
  let agent: Agent;
  const applies: unknown[] = [];
  const application = async () =>
    (await fleet.hub.data<{ cluster: { applications: ApplicationView[] } }>(`{ cluster(name: "live-1") { applications { application health syncState watchError resources { kind name health syncState } } } }`)).cluster.applications[0];
  const resource = (view: ApplicationView | undefined, name: string) => view?.resources.find((candidate) => candidate.name === name);
  const configMapIn = (name: string) => fleet.kubeSim.cluster('live-1').findObject({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace: 'shop' });
  const syncSource = () => fleet.hub.data(`mutation { syncSource(name: "fleet") { status } }`);

  beforeAll(async () => {
    // Pods take a while to become ready, so the Deployment is seen progressing first.
    fleet = await startTestFleet('pglite', manifests, { controllers: { readyDelayMs: 3_000 } });
    await fleet.hub.data(`mutation { createClusterGroup(input: { name: "live", selector: "tier=live" }) { name } }`);
    await fleet.hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: fleet.repository.url });
    await fleet.hub.data(`mutation { createApplication(input: { name: "web", source: "fleet", basePath: "apps/web", prune: true, targets: [{ group: "live" }] }) { name } }`);
  });
  afterAll(() => fleet.close());

  it('says a Deployment is progressing, then healthy once its pods are ready, without applying anything again', async () => {
    agent = await fleet.startAgent('live-1', { tier: 'live' });
    agent.on('synced', (_application: string, changeSet: unknown) => applies.push(changeSet));
    agent.on('healed', (_application: string, changeSet: unknown) => applies.push(changeSet));
    const progressing = await eventually(application, (view) => view?.health === 'Progressing');
    expect(progressing).toMatchObject({ application: 'web', health: 'Progressing', syncState: 'Synced', watchError: null });
    expect(resource(progressing, 'web')).toMatchObject({ kind: 'Deployment', health: 'Progressing', syncState: 'Synced' });
    const appliesWhileProgressing = applies.length;

    const healthy = await eventually(application, (view) => view?.health === 'Healthy');
    expect(healthy).toMatchObject({ health: 'Healthy', syncState: 'Synced' });
    expect(resource(healthy, 'web')).toMatchObject({ health: 'Healthy', syncState: 'Synced' });
    expect(applies).toHaveLength(appliesWhileProgressing);
  });

  it('says an object is out of sync while it drifts, and synced once it matches git again', async () => {
    // The hub decides what to do about drift under the policy in force when it hears of it: alert leaves the object as it is.
    await fleet.hub.data(`mutation { updateApplication(input: { name: "web", healPolicy: alert }) { name } }`);
    fleet.kubeSim.cluster('live-1').editObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'first', namespace: 'shop' }, { data: { mode: 'by-hand' } });
    const drifted = await eventually(application, (view) => view?.syncState === 'OutOfSync');
    expect(drifted.syncState).toBe('OutOfSync');
    expect(resource(drifted, 'first')?.syncState).toBe('OutOfSync');
    expect(resource(drifted, 'second')?.syncState).toBe('Synced');

    fleet.kubeSim.cluster('live-1').editObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'first', namespace: 'shop' }, { data: { mode: 'fast' } });
    const matching = await eventually(application, (view) => view?.syncState === 'Synced');
    expect(resource(matching, 'first')?.syncState).toBe('Synced');
  });

  it('prunes an object whose last apply failed once it leaves git', async () => {
    await fleet.repository.commit({ 'apps/web/second.yaml': configMap('second', '  labels:\n    app: "not valid!"\n') }, 'An invalid label');
    await syncSource();
    const failed = await eventually(application, (view) => view?.syncState === 'Failed');
    expect(resource(failed, 'second')?.syncState).toBe('Failed');

    await fleet.repository.commit({ 'apps/web/second.yaml': null, 'apps/web/kustomization.yaml': kustomization('web.yaml', 'first.yaml') }, 'Drop second');
    await syncSource();
    await until(() => configMapIn('second') === undefined);
    expect(configMapIn('first')).toBeDefined();
    const synced = await eventually(application, (view) => view?.syncState === 'Synced');
    expect(synced.resources.map((object) => object.name)).toEqual(['first', 'web', 'shop']);
  });

  it('says which kind the agent cannot watch while it cannot', async () => {
    const widget = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: blue\nspec:\n  colour: blue\n';
    await fleet.repository.commit({ 'apps/web/widget.yaml': widget, 'apps/web/kustomization.yaml': kustomization('web.yaml', 'first.yaml', 'widget.yaml') }, 'A widget, whose kind the cluster does not serve');
    await syncSource();
    const unwatched = await eventually(application, (view) => view?.watchError !== null);
    expect(unwatched.watchError).toBe('Widget in shop: the cluster does not serve Widget in example.com/v1');

    await fleet.repository.commit({ 'apps/web/widget.yaml': null, 'apps/web/kustomization.yaml': kustomization('web.yaml', 'first.yaml') }, 'No widget');
    // The same content as two commits ago: applied again, as the failed apply in between changed what is live.
    await syncSource();
    expect(await eventually(application, (view) => view?.watchError === null && view.syncState === 'Synced')).toMatchObject({ watchError: null, syncState: 'Synced' });
  });
});

describe('an agent restarted while the hub is away', () => {
  let hub: TestHub;
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  let restarted: Agent | null = null;
  const webRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' };

  beforeAll(async () => {
    hub = await startTestHub('pglite');
    kubeSim = new KubeSimServer();
    await kubeSim.start();
    kubeSim.addCluster('edge-1');
    repository = await TestGitRepository.create();
    await repository.commit(
      { 'apps/web/kustomization.yaml': kustomization('web.yaml'), 'apps/web/namespace.yaml': manifests['apps/web/namespace.yaml'], 'apps/web/web.yaml': deployment('shop/web:1.0') },
      'web',
    );
  });
  afterAll(async () => {
    await restarted?.stop();
    await kubeSim.stop();
    repository.remove();
  });

  it('leaves a field an ignore rule gives to an autoscaler where the autoscaler put it', async () => {
    await hub.data(`mutation { createClusterGroup(input: { name: "edge", selector: "tier=edge" }) { name } }`);
    const { createClusterRegistration: registration } = await hub.data<{ createClusterRegistration: { token: string; hubPublicKey: string } }>(
      `mutation { createClusterRegistration(input: { name: "edge-1", labels: { tier: "edge" } }) { token hubPublicKey } }`,
    );
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(buildKubeconfig([{ name: 'edge-1', server: kubeSim.clusterUrl('edge-1') }]));
    let credential = '';
    const options = { ...defaultAgentOptions(), hub: { address: `127.0.0.1:${hub.hub.grpcPort}`, insecure: true }, hubPublicKey: registration.hubPublicKey, kubeConfig, reconnectMaxMs: 500 };
    const first = new Agent({ ...options, bootstrapToken: registration.token, onCredential: (obtained) => void (credential = obtained) });
    await first.start();
    const synced = once(first, 'synced');
    await hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await hub.data(
      `mutation { createApplication(input: { name: "web", source: "fleet", basePath: "apps/web", healPolicy: auto, ignoreRules: [{ jsonPointer: "/spec/replicas", kind: "Deployment" }], targets: [{ group: "edge" }] }) { name } }`,
    );
    await synced;
    await first.stop();
    await hub.close();

    const cluster = kubeSim.cluster('edge-1');
    const spec = () => cluster.findObject(webRef)?.['spec'] as { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
    cluster.editObject(webRef, { spec: { replicas: 5 } }, { fieldManager: 'hpa-controller' });
    restarted = new Agent({ ...options, credential });
    const enforced = once(restarted, 'synced');
    await restarted.start();
    await enforced;
    expect(spec().replicas).toBe(5);

    // It still heals under the policy it last received, all but what the ignore rule gives away.
    const healed = once(restarted, 'healed');
    cluster.editObject(webRef, { spec: { replicas: 7, template: { spec: { containers: [{ name: 'web', image: 'shop/web:hotfix' }] } } } }, { fieldManager: 'hpa-controller' });
    await healed;
    await until(() => spec().template.spec.containers[0].image === 'shop/web:1.0');
    expect(spec().replicas).toBe(7);
  });
});
