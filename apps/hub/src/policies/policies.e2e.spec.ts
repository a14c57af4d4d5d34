import { testDatabaseKinds } from '@capstan/persistence';
import { startTestFleet, type TestFleet } from '../testing/test-fleet';
import { eventually, until } from '../testing/wait';

/** The shop: a Deployment whose containers say whether they may escalate privileges. */
const release = (image: string, allowPrivilegeEscalation: boolean) => ({
  'apps/shop/kustomization.yaml': 'namespace: shop\nresources:\n  - namespace.yaml\n  - web.yaml\n',
  'apps/shop/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
  'apps/shop/web.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n          securityContext:\n            allowPrivilegeEscalation: ${allowPrivilegeEscalation}\n`,
});

const escalationPath = 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation';

interface RevisionView {
  id: string;
  commitSha: string;
  blockedClusters: string[];
  policyViolations: Array<{ cluster: string; policy: string; policyVersion: number; mode: string; rule: string; fieldPath: string; message: string; object: { kind: string; namespace: string; name: string } }>;
}

describe.each(testDatabaseKinds())('policies checked before anything ships (%s)', (kind) => {
  let fleet: TestFleet;
  const imageOn = (cluster: string) =>
    (fleet.kubeSim.cluster(cluster).findObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }) as { spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } } } | undefined)?.spec?.template?.spec?.containers?.[0]?.image;
  const latestRevision = async () =>
    (await fleet.hub.data<{ revisions: { edges: Array<{ node: RevisionView }> } }>(`{ revisions(application: "shop", first: 1) { edges { node { id commitSha blockedClusters policyViolations { cluster policy policyVersion mode rule fieldPath message object { kind namespace name } } } } } }`)).revisions
      .edges[0].node;
  const desiredRevision = async (cluster: string) =>
    (await fleet.hub.data<{ cluster: { desiredState: Array<{ application: string; revision: string }> } }>(`{ cluster(name: "${cluster}") { desiredState { application revision } } }`)).cluster.desiredState.find((state) => state.application === 'shop')?.revision;
  const commitAndSync = async (image: string, allowPrivilegeEscalation: boolean) => {
    await fleet.repository.commit(release(image, allowPrivilegeEscalation), image);
    await fleet.hub.data(`mutation { syncSource(name: "fleet") { status } }`);
    return latestRevision();
  };

  beforeAll(async () => {
    fleet = await startTestFleet(kind, release('shop/web:1', false));
    await fleet.hub.data(`mutation { createClusterGroup(input: { name: "everywhere", selector: "region" }) { name } }`);
    await fleet.hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: fleet.repository.url });
    await fleet.startAgent('eu-1', { region: 'eu' });
    await fleet.startAgent('us-1', { region: 'us' });
    await fleet.hub.data(`mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop", targets: [{ group: "everywhere" }] }) { name } }`);
    await until(() => imageOn('eu-1') === 'shop/web:1' && imageOn('us-1') === 'shop/web:1', 30_000);
  }, 60_000);
  afterAll(() => fleet.close());

  it('refuses a policy whose CEL does not compile, naming the rule, the field and the position', async () => {
    const refused = await fleet.hub.graphql(`mutation($rules: [JSONObject!]) { createPolicy(input: { name: "bad-cel", mode: enforce, rules: $rules }) { name } }`, {
      rules: [{ type: 'cel', name: 'short-names', validations: [{ expression: 'size(object.metadata.name) < "20"' }] }],
    });
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('INVALID_ARGUMENT');
    expect(refused.errors?.[0]?.message).toMatch(/input\.rules\[0\]\.validations\[0\]\.expression: .*rule "short-names".* at 1:\d+/);
    const unknown = await fleet.hub.graphql(`mutation { createPolicy(input: { name: "typo", rules: [{ type: "builtin", id: "no-such-rule" }] }) { name } }`);
    expect(unknown.errors?.[0]?.message).toMatch(/input\.rules\[0\]\.id: .*"no-such-rule" is not a built-in rule/);
    const policies = await fleet.hub.data<{ policies: unknown[] }>(`{ policies { name } }`);
    expect(policies.policies).toEqual([]);
  });

  it('under enforce keeps a violating bundle from the clusters in scope, which keep their revision, and says why', async () => {
    const first = await latestRevision();
    await fleet.hub.data(`mutation { createPolicy(input: { name: "no-escalation", description: "containers may not gain privileges", mode: enforce, scope: { clusterSelector: "region=eu" }, rules: [{ type: "builtin", id: "allow-privilege-escalation" }] }) { version } }`);
    const escalating = await commitAndSync('shop/web:2', true);

    expect(escalating.blockedClusters).toEqual(['eu-1']);
    expect(escalating.policyViolations).toEqual([
      {
        cluster: 'eu-1',
        policy: 'no-escalation',
        policyVersion: 1,
        mode: 'enforce',
        rule: 'allow-privilege-escalation',
        fieldPath: escalationPath,
        message: expect.stringMatching(/Deployment\/shop\/web.*allowPrivilegeEscalation/),
        object: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      },
    ]);
    // us-1 is outside the policy's scope and runs release 2; eu-1 keeps release 1.
    await until(() => imageOn('us-1') === 'shop/web:2', 30_000);
    expect(await desiredRevision('eu-1')).toBe(first.id);
    expect(await desiredRevision('us-1')).toBe(escalating.id);
    expect(imageOn('eu-1')).toBe('shop/web:1');
    const blockedEvents = await fleet.hub.data<{ events: { edges: Array<{ node: { cluster: string; subject: string; details: { commit: string; violations: number } } }> } }>(`{ events(type: "policy.blocked") { edges { node { cluster subject details } } } }`);
    expect(blockedEvents.events.edges.map((edge) => edge.node)).toEqual([{ cluster: 'eu-1', subject: 'no-escalation', details: expect.objectContaining({ commit: escalating.commitSha, violations: 1 }) }]);

    // Widened to the whole fleet, the policy would find release 2's Deployment on us-1 only (eu-1 still runs release 1); nothing changes.
    type Impact = { policyImpact: { mode: string; version: number; wouldBlock: boolean; clusters: number; objects: number; violations: Array<{ cluster: string; fieldPath: string }>; byNamespace: Array<{ key: string; objects: number; clusters: number }> } };
    const impact = await fleet.hub.data<Impact>(`{ policyImpact(input: { name: "no-escalation", scope: {} }) { mode version wouldBlock clusters objects violations { cluster fieldPath } byNamespace { key objects clusters } } }`);
    expect(impact.policyImpact).toEqual({ mode: 'enforce', version: 2, wouldBlock: true, clusters: 1, objects: 1, violations: [{ cluster: 'us-1', fieldPath: escalationPath }], byNamespace: [{ key: 'shop', objects: 1, clusters: 1 }] });
    expect((await fleet.hub.data<{ policy: { version: number; scope: object } }>(`{ policy(name: "no-escalation") { version scope } }`)).policy).toEqual({ version: 1, scope: { clusterSelector: 'region=eu' } });
  }, 60_000);

  it('under audit ships the bundle and records what it found, under the new version of the policy', async () => {
    const updated = await fleet.hub.data<{ updatePolicy: { version: number; versions: Array<{ version: number; savedBy: string }> } }>(
      `mutation { updatePolicy(input: { name: "no-escalation", mode: audit, scope: {} }, reason: "audit the whole fleet first") { version versions { version savedBy } } }`,
    );
    expect(updated.updatePolicy.version).toBe(2);
    expect(updated.updatePolicy.versions.map((version) => version.version)).toEqual([2, 1]);

    const audited = await commitAndSync('shop/web:3', true);
    expect(audited.blockedClusters).toEqual([]);
    expect(audited.policyViolations.map((violation) => [violation.cluster, violation.mode, violation.policyVersion, violation.fieldPath])).toEqual([
      ['eu-1', 'audit', 2, escalationPath],
      ['us-1', 'audit', 2, escalationPath],
    ]);
    await until(() => imageOn('eu-1') === 'shop/web:3' && imageOn('us-1') === 'shop/web:3', 30_000);
    const violatedEvents = await fleet.hub.data<{ events: { edges: Array<{ node: { cluster: string } }> } }>(`{ events(type: "policy.violated") { edges { node { cluster } } } }`);
    expect(violatedEvents.events.edges.map((edge) => edge.node.cluster).sort()).toEqual(['eu-1', 'us-1']);
    const audit = await fleet.hub.data<{ auditLog: { edges: Array<{ node: { action: string; targetName: string; reason: string | null } }> } }>(`{ auditLog(first: 20) { edges { node { action targetName reason } } } }`);
    expect(audit.auditLog.edges.map((edge) => edge.node)).toContainEqual({ action: 'policy.update', targetName: 'no-escalation', reason: 'audit the whole fleet first' });
  }, 60_000);

  it('keeps a blocked cluster out of a rollout, which names it and succeeds on the others', async () => {
    await fleet.hub.data(`mutation { updatePolicy(input: { name: "no-escalation", mode: enforce, scope: { clusterSelector: "region=eu" } }) { version } }`);
    await fleet.hub.data(`mutation { updateApplication(input: { name: "shop", rolloutStrategy: { stages: [{ name: "all", maxConcurrency: "1" }] } }) { name } }`);
    const release4 = await commitAndSync('shop/web:4', true);
    type Rollout = { revision: string; state: string; blockedClusters: string[]; progress: { total: number; succeeded: number } };
    const rollout = await eventually(
      async () => (await fleet.hub.data<{ rollouts: { edges: Array<{ node: Rollout }> } }>(`{ rollouts(application: "shop", first: 1) { edges { node { revision state blockedClusters progress { total succeeded } } } } }`)).rollouts.edges[0]?.node,
      (latest) => latest?.revision === release4.id && latest.state === 'Succeeded',
      30_000,
    );
    expect(rollout).toMatchObject({ blockedClusters: ['eu-1'], progress: { total: 1, succeeded: 1 } });
    await until(() => imageOn('us-1') === 'shop/web:4', 30_000);
    expect(imageOn('eu-1')).toBe('shop/web:3');
  }, 60_000);

  it('imports a ValidatingAdmissionPolicy with its binding as a policy in the mode its validation actions say', async () => {
    const manifest = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: ["apps"]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
      message: "at most 5 replicas"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit
spec:
  policyName: replica-limit
  validationActions: ["Deny"]
`;
    const imported = await fleet.hub.data<{ importValidatingAdmissionPolicy: { name: string; mode: string; rules: Array<{ type: string; validations: Array<{ expression: string }> }> } }>(
      `mutation($manifest: String!) { importValidatingAdmissionPolicy(manifest: $manifest) { name mode rules } }`,
      { manifest },
    );
    expect(imported.importValidatingAdmissionPolicy).toMatchObject({ name: 'replica-limit', mode: 'enforce', rules: [{ type: 'cel', validations: [{ expression: 'object.spec.replicas <= 5' }] }] });
    const broken = await fleet.hub.graphql(`mutation($manifest: String!) { importValidatingAdmissionPolicy(manifest: $manifest) { name } }`, { manifest: 'kind: ConfigMap\n' });
    expect(broken.errors?.[0]).toMatchObject({ message: 'manifest: holds no ValidatingAdmissionPolicy', extensions: { code: 'INVALID_ARGUMENT' } });
  });
});
