import { testDatabaseKinds } from '@capstan/persistence';
import { startTestFleet, type TestFleet } from '../testing/test-fleet';
import { subscribeGraphql, type TestSubscription } from '../testing/test-subscription';

const manifests = {
  'apps/shop/kustomization.yaml': 'namespace: shop\nresources:\n  - namespace.yaml\n  - web.yaml\n',
  'apps/shop/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
  'apps/shop/web.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: shop/web:1\n',
};
const webRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' };

interface StatusView {
  clusterStatusChanged: { cluster: string; application: string; syncState: string; health: string; resources: Array<{ kind: string; health: string }> };
}
interface RolloutView {
  rolloutChanged: { id: string; state: string; stages: Array<{ name: string; state: string; batches: Array<{ clusters: Array<{ cluster: string; state: string }> }> }> };
}
interface DriftView {
  driftChanged: { cluster: string; application: string; subject: string; status: string; resolution: string | null };
}
const statusQuery = `subscription($cluster: String, $application: String) { clusterStatusChanged(cluster: $cluster, application: $application) { cluster application syncState health resources { kind health } } }`;
const codeOf = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => result.errors?.[0]?.extensions?.['code'];

describe.each(testDatabaseKinds())('subscriptions over graphql-ws (%s)', (kind) => {
  let fleet: TestFleet;
  let euViewer: string;
  const open: Array<TestSubscription<unknown>> = [];
  const subscribe = <T>(token: string | null, query: string, variables: Record<string, unknown> = {}) => {
    const subscription = subscribeGraphql<T>(fleet.hub.endpoints.url, token, query, variables);
    open.push(subscription as TestSubscription<unknown>);
    return subscription;
  };
  const createToken = async (name: string) =>
    (await fleet.hub.data<{ createApiToken: { secret: string } }>(`mutation($name: String!) { createApiToken(input: { name: $name, role: viewer, groupScope: ["eu"] }) { secret } }`, { name })).createApiToken.secret;

  beforeAll(async () => {
    fleet = await startTestFleet(kind, manifests, { controllers: { readyDelayMs: 300 } });
    await fleet.hub.data(`mutation { createClusterGroup(input: { name: "everywhere", selector: "region" }) { name } }`);
    await fleet.hub.data(`mutation { createClusterGroup(input: { name: "eu", selector: "region=eu" }) { name } }`);
    await fleet.hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: fleet.repository.url });
    await fleet.startAgent('eu-1', { region: 'eu' });
    await fleet.startAgent('us-1', { region: 'us' });
    euViewer = await createToken('eu-viewer');
  }, 60_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((subscription) => subscription.close()));
  });
  afterAll(() => fleet.close());

  it('refuses a subscription without a valid token, or naming what the caller cannot see', async () => {
    const anonymous = subscribe(null, statusQuery);
    expect(codeOf(await anonymous.until((result) => Boolean(result.errors)))).toBe('UNAUTHENTICATED');
    const wrong = subscribe('capstan_not-a-token', statusQuery);
    expect(await wrong.until((result) => Boolean(result.errors))).toMatchObject({ errors: [{ message: 'the bearer token is not valid', extensions: { code: 'UNAUTHENTICATED' } }] });
    const unknown = subscribe(fleet.hub.endpoints.adminToken, statusQuery, { cluster: 'nowhere' });
    expect(await unknown.until((result) => Boolean(result.errors))).toMatchObject({ errors: [{ message: 'cluster "nowhere" not found', extensions: { code: 'NOT_FOUND' } }] });
    const outOfScope = subscribe(euViewer, statusQuery, { cluster: 'us-1' });
    expect(codeOf(await outOfScope.until((result) => Boolean(result.errors)))).toBe('NOT_FOUND');
    expect([anonymous, wrong, unknown, outOfScope].every((subscription) => subscription.ended)).toBe(true);
  });

  it('follows a rollout stage by stage, and the statuses it brings, each caller seeing only its scope', async () => {
    // Not narrowed to the application: it does not exist yet (naming it would be NOT_FOUND).
    const rollout = subscribe<RolloutView>(fleet.hub.endpoints.adminToken, `subscription { rolloutChanged { id state stages { name state batches { clusters { cluster state } } } } }`);
    const everything = subscribe<StatusView>(fleet.hub.endpoints.adminToken, statusQuery);
    const euOnly = subscribe<StatusView>(euViewer, statusQuery);
    const unknownApplication = subscribe<StatusView>(euViewer, statusQuery, { application: 'shop' });
    expect(codeOf(await unknownApplication.until((result) => Boolean(result.errors)))).toBe('NOT_FOUND');
    // A subscription hears what changes once the server has registered it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await fleet.hub.data(
      `mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop", targets: [{ group: "everywhere" }], rolloutStrategy: { stages: [{ name: "eu", selector: "region=eu" }, { name: "us", selector: "region=us" }] } }) { name } }`,
    );

    const succeeded = await rollout.until((result) => result.data?.rolloutChanged.state === 'Succeeded', 60_000);
    expect(succeeded.data?.rolloutChanged.stages.map((stage) => [stage.name, stage.state])).toEqual([
      ['eu', 'Succeeded'],
      ['us', 'Succeeded'],
    ]);
    // It was followed while it ran, not only told at the end: us-1 was seen waiting while eu-1 was updated.
    const seen = rollout.results.map((result) => result.data?.rolloutChanged.stages.flatMap((stage) => stage.batches.flatMap((batch) => batch.clusters)) ?? []);
    expect(seen.some((clusters) => clusters.some((c) => c.cluster === 'eu-1' && c.state !== 'Pending') && clusters.some((c) => c.cluster === 'us-1' && c.state === 'Pending'))).toBe(true);

    const healthy = (cluster: string) => (result: { data?: StatusView | null }) =>
      result.data?.clusterStatusChanged.cluster === cluster && result.data.clusterStatusChanged.health === 'Healthy' && result.data.clusterStatusChanged.syncState === 'Synced';
    await everything.until(healthy('eu-1'));
    const us = await everything.until(healthy('us-1'));
    expect(us.data?.clusterStatusChanged.resources).toEqual(expect.arrayContaining([{ kind: 'Deployment', health: 'Healthy' }]));
    await euOnly.until(healthy('eu-1'));
    expect(euOnly.results.every((result) => result.data?.clusterStatusChanged.cluster === 'eu-1')).toBe(true);
  }, 90_000);

  it('follows a drift from detected to healed', async () => {
    const drifts = subscribe<DriftView>(euViewer, `subscription { driftChanged(cluster: "eu-1") { cluster application subject status resolution } }`);
    const everyDrift = subscribe<DriftView>(euViewer, `subscription { driftChanged { cluster subject status } }`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    fleet.kubeSim.cluster('us-1').editObject(webRef, { spec: { replicas: 4 } }, { fieldManager: 'kubectl-edit' });
    fleet.kubeSim.cluster('eu-1').editObject(webRef, { spec: { replicas: 5 } }, { fieldManager: 'kubectl-edit' });
    const healed = await drifts.until((result) => result.data?.driftChanged.status === 'resolved');
    expect(healed.data?.driftChanged).toEqual({ cluster: 'eu-1', application: 'shop', subject: 'Deployment/shop/web', status: 'resolved', resolution: 'healed' });
    expect(drifts.results[0].data?.driftChanged.status).toBe('healing');
    // The drift on us-1 is outside the token's groups.
    await everyDrift.until((result) => result.data?.driftChanged.status === 'resolved');
    expect(everyDrift.results.every((result) => result.data?.driftChanged.cluster === 'eu-1')).toBe(true);
  }, 60_000);

  it('ends a subscription whose token is revoked', async () => {
    const watcher = await createToken('watcher');
    const statuses = subscribe<StatusView>(watcher, statusQuery, { cluster: 'eu-1' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await fleet.hub.data(`mutation { revokeApiToken(name: "watcher", reason: "left the team") { name } }`);
    // Past the time a subscription trusts what it last checked; then a change comes.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    fleet.kubeSim.cluster('eu-1').editObject(webRef, { spec: { replicas: 6 } }, { fieldManager: 'kubectl-edit' });
    const refused = await statuses.until((result) => Boolean(result.errors));
    expect(refused.errors?.[0]).toMatchObject({ message: 'the bearer token "watcher" was revoked', extensions: { code: 'UNAUTHENTICATED' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(statuses.ended).toBe(true);
  }, 60_000);
});
