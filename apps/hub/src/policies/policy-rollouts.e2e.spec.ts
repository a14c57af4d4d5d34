/**
 * A policy rolled out audit → enforce stage by stage across four agents: stage one is clean and
 * enforced, stage two runs a bundle that violates it and the rollout pauses there naming the object;
 * while it is held so, the render-time gate enforces where the rollout enforces; a rollback returns
 * every cluster to what was in force before; a resume once git is fixed completes.
 */
import { testDatabaseKinds } from '@capstan/persistence';
import { startTestFleet, type TestFleet } from '../testing/test-fleet';
import { eventually, until } from '../testing/wait';

const deployment = (name: string, allowPrivilegeEscalation: boolean) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: ${name} }\n  template:\n    metadata:\n      labels: { app: ${name} }\n    spec:\n      containers:\n        - name: ${name}\n          image: shop/${name}:1\n          securityContext:\n            allowPrivilegeEscalation: ${allowPrivilegeEscalation}\n`;

/** One stage's overlay of the shop: the base, and with `debug` a Deployment allowed to escalate privileges. */
const overlay = (stage: string, debug: boolean) => ({
  [`apps/shop/overlays/${stage}/kustomization.yaml`]: `namespace: shop\nresources:\n  - ../../base\n${debug ? '  - debug.yaml\n' : ''}`,
  [`apps/shop/overlays/${stage}/debug.yaml`]: deployment('debug', true),
});

/** The shop: a compliant base, and an overlay per stage. */
const shop = (debugIn: { one: boolean; two: boolean }) => ({
  'apps/shop/base/kustomization.yaml': 'namespace: shop\nresources:\n  - namespace.yaml\n  - web.yaml\n',
  'apps/shop/base/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
  'apps/shop/base/web.yaml': deployment('web', false),
  ...overlay('one', debugIn.one),
  ...overlay('two', debugIn.two),
});

const strategy = `{ stages: [{ name: "one", selector: "stage=one" }, { name: "two", selector: "stage=two", maxConcurrency: "1" }] }`;

interface PolicyRolloutView {
  id: string;
  state: string;
  reason: string;
  previousVersion: number;
  previousMode: string;
  stages: Array<{ name: string; state: string; clusters: Array<{ cluster: string; state: string; mode: string | null; violations: Array<{ kind: string; namespace: string; name: string; rule: string }> }> }>;
}
const rolloutFields = `id state reason previousVersion previousMode stages { name state clusters { cluster state mode violations { kind namespace name rule } } }`;

describe.each(testDatabaseKinds())('policy rollouts, audit → enforce stage by stage (%s)', (kind) => {
  let fleet: TestFleet;
  const rollout = async (id: string) => (await fleet.hub.data<{ policyRollout: PolicyRolloutView }>(`query($id: ID!) { policyRollout(id: $id) { ${rolloutFields} } }`, { id })).policyRollout;
  const rolloutWhen = (id: string, accept: (view: PolicyRolloutView) => boolean) => eventually(() => rollout(id), accept, 30_000);
  const modes = (view: PolicyRolloutView) => Object.fromEntries(view.stages.flatMap((stage) => stage.clusters.map((cluster) => [cluster.cluster, cluster.mode])));
  const start = async () =>
    (await fleet.hub.data<{ startPolicyRollout: PolicyRolloutView }>(`mutation { startPolicyRollout(policy: "no-escalation", version: 1, strategy: ${strategy}, reason: "enforce no-escalation") { ${rolloutFields} } }`)).startPolicyRollout;
  const act = async (mutation: string, id: string) => (await fleet.hub.data<Record<string, PolicyRolloutView>>(`mutation($id: ID!) { ${mutation}(id: $id, reason: "${mutation} by the policy owner") { ${rolloutFields} } }`, { id }))[mutation];
  const compliance = async () =>
    Object.fromEntries((await fleet.hub.data<{ compliance: Array<{ cluster: string; state: string }> }>(`{ compliance(policy: "no-escalation") { cluster state } }`)).compliance.map((view) => [view.cluster, view.state]));
  const commitAndSync = async (debugIn: { one: boolean; two: boolean }, message: string) => {
    await fleet.repository.commit(shop(debugIn), message);
    await fleet.hub.data(`mutation { syncSource(name: "fleet") { status } }`);
    return (await fleet.hub.data<{ revisions: { edges: Array<{ node: { blockedClusters: string[]; policyViolations: Array<{ cluster: string; mode: string }> } }> } }>(`{ revisions(application: "shop", first: 1) { edges { node { blockedClusters policyViolations { cluster mode } } } } }`)).revisions.edges[0].node;
  };
  const debugOn = (cluster: string) => fleet.kubeSim.cluster(cluster).findObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'debug', namespace: 'shop' }) !== undefined;

  beforeAll(async () => {
    fleet = await startTestFleet(kind, shop({ one: false, two: true }));
    await fleet.hub.data(`mutation { createClusterGroup(input: { name: "one", selector: "stage=one" }) { name } }`);
    await fleet.hub.data(`mutation { createClusterGroup(input: { name: "two", selector: "stage=two" }) { name } }`);
    await fleet.hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: fleet.repository.url });
    for (const [name, stage] of [['dev-1', 'one'], ['dev-2', 'one'], ['prod-1', 'two'], ['prod-2', 'two']]) await fleet.startAgent(name, { stage });
    // Created in audit, the default: it only records what it finds until a rollout enforces it.
    await fleet.hub.data(`mutation { createPolicy(input: { name: "no-escalation", scope: { kinds: [{ group: "apps", kind: "Deployment" }] }, rules: [{ type: "builtin", id: "allow-privilege-escalation" }] }) { version } }`);
    await fleet.hub.data(
      `mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop/base", prune: true, targets: [{ group: "one", overlayPath: "apps/shop/overlays/one" }, { group: "two", overlayPath: "apps/shop/overlays/two" }] }) { name } }`,
    );
    await until(() => debugOn('prod-1') && debugOn('prod-2'), 30_000);
    await eventually(compliance, (states) => states['dev-1'] === 'Compliant' && states['dev-2'] === 'Compliant' && states['prod-1'] === 'NonCompliant' && states['prod-2'] === 'NonCompliant', 30_000);
  }, 90_000);
  afterAll(() => fleet.close());

  it('enforces the clean stage and pauses at the stage whose clusters violate, naming the objects', async () => {
    const started = await start();
    expect(started).toMatchObject({ previousVersion: 1, previousMode: 'audit' });
    const paused = await rolloutWhen(started.id, (view) => view.state === 'Paused');
    expect(paused.reason).toBe('stage two: 1 violating object, more than the allowance of 0: Deployment/shop/debug on prod-1');
    expect(paused.stages.map((stage) => [stage.name, stage.state])).toEqual([
      ['one', 'Enforced'],
      ['two', 'Auditing'],
    ]);
    expect(modes(paused)).toEqual({ 'dev-1': 'enforce', 'dev-2': 'enforce', 'prod-1': 'audit', 'prod-2': 'audit' });
    expect(paused.stages[1].clusters[0]).toMatchObject({ cluster: 'prod-1', state: 'Auditing', violations: [{ kind: 'Deployment', namespace: 'shop', name: 'debug', rule: 'allow-privilege-escalation' }] });
    // prod-2 waits in the next batch: it still holds what was in force before.
    expect(paused.stages[1].clusters[1]).toMatchObject({ cluster: 'prod-2', state: 'Pending' });

    // Bundles are judged in the mode the rollout holds each cluster in: enforced on stage one, audited on stage two.
    const judged = await commitAndSync({ one: true, two: true }, 'Debug everywhere');
    expect(judged.blockedClusters).toEqual(['dev-1', 'dev-2']);
    expect(judged.policyViolations.map((violation) => [violation.cluster, violation.mode])).toEqual([
      ['dev-1', 'enforce'],
      ['dev-2', 'enforce'],
      ['prod-1', 'audit'],
      ['prod-2', 'audit'],
    ]);
    expect(debugOn('dev-1')).toBe(false);

    const rolledBack = await act('rollbackPolicyRollout', started.id);
    expect(rolledBack.state).toBe('RolledBack');
    expect(modes(rolledBack)).toEqual({ 'dev-1': 'audit', 'dev-2': 'audit', 'prod-1': 'audit', 'prod-2': 'audit' });
    const { auditLog } = await fleet.hub.data<{ auditLog: { edges: Array<{ node: { action: string; targetName: string; reason: string } }> } }>(`{ auditLog(first: 5) { edges { node { action targetName reason } } } }`);
    expect(auditLog.edges.map(({ node }) => node).filter((entry) => entry.action.startsWith('policy.rollout.'))).toEqual([
      { action: 'policy.rollout.rollback', targetName: started.id, reason: 'rollbackPolicyRollout by the policy owner' },
      { action: 'policy.rollout.start', targetName: 'no-escalation', reason: 'enforce no-escalation' },
    ]);
    const { events } = await fleet.hub.data<{ events: { edges: Array<{ node: { type: string; subject: string } }> } }>(`query($id: ID!) { events(rollout: $id) { edges { node { type subject } } } }`, { id: started.id });
    expect(events.edges.map(({ node }) => node.type).reverse()).toEqual(['policy.rollout.started', 'policy.rollout.stage.enforced', 'policy.rollout.paused', 'policy.rollout.rolled-back']);
  }, 60_000);

  it('completes once the violating bundle is fixed in git and the rollout resumed', async () => {
    const started = await start();
    await rolloutWhen(started.id, (view) => view.state === 'Paused');
    // Still paused: resuming only judges the stage again.
    expect((await act('resumePolicyRollout', started.id)).state).toBe('Paused');

    await commitAndSync({ one: false, two: false }, 'No debug anywhere');
    await until(() => !debugOn('prod-1') && !debugOn('prod-2'), 30_000);
    await eventually(compliance, (states) => Object.values(states).every((state) => state === 'Compliant'), 30_000);
    await act('resumePolicyRollout', started.id);
    const succeeded = await rolloutWhen(started.id, (view) => view.state === 'Succeeded');
    expect(succeeded.stages.map((stage) => [stage.name, stage.state])).toEqual([
      ['one', 'Enforced'],
      ['two', 'Enforced'],
    ]);
    expect(modes(succeeded)).toEqual({ 'dev-1': 'enforce', 'dev-2': 'enforce', 'prod-1': 'enforce', 'prod-2': 'enforce' });
  }, 90_000);

  it('refuses a rollout by a caller who is not an admin of the whole fleet', async () => {
    const { createApiToken } = await fleet.hub.data<{ createApiToken: { secret: string } }>(`mutation { createApiToken(input: { name: "operator", role: operator }) { secret } }`);
    const refused = await fleet.hub.graphql(`mutation { startPolicyRollout(policy: "no-escalation", strategy: ${strategy}, reason: "try") { id } }`, {}, createApiToken.secret);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('PERMISSION_DENIED');
  });
});
