/**
 * Policies on live clusters: an object created out of band with the reference kubectl (1.33),
 * part of no application, is judged by the cluster's agent and its compliance shows at the hub.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildKubeconfig } from '@capstan/kube-sim';
import { testDatabaseKinds } from '@capstan/persistence';
import { DataSource } from 'typeorm';
import { startTestFleet, type TestFleet } from '../testing/test-fleet';
import { subscribeGraphql } from '../testing/test-subscription';
import { eventually } from '../testing/wait';
import { referenceKubectl } from '../testing/reference-kubectl';

const kubectl = referenceKubectl;
if (!kubectl.path) console.log(`live compliance suite skipped: ${kubectl.reason}`);
const describeWithKubectl = kubectl.path ? describe : describe.skip;
const kubectlPath = kubectl.path ?? 'kubectl';

const run = promisify(execFile);

const deployment = (allowPrivilegeEscalation: boolean) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: debug
  namespace: sandbox
spec:
  replicas: 1
  selector: {matchLabels: {app: debug}}
  template:
    metadata: {labels: {app: debug}}
    spec:
      containers:
      - name: shell
        image: busybox:1.36
        securityContext: {allowPrivilegeEscalation: ${allowPrivilegeEscalation}}
`;

interface ComplianceView {
  cluster: string;
  policy: string;
  policyVersion: number;
  state: string;
  violatingObjects: Array<{ kind: string; namespace: string; name: string; rule: string; fieldPath: string; message: string }>;
  history: { edges: Array<{ node: { compliant: boolean; kind: string; namespace: string; name: string; policyVersion: number; violations: Array<{ rule: string }> } }> };
}

describeWithKubectl.each(testDatabaseKinds())('compliance of live clusters (%s)', (kind) => {
  let fleet: TestFleet;
  let directory: string;
  const kube = async (...args: string[]) => (await run(kubectlPath, ['--kubeconfig', join(directory, 'kubeconfig'), ...args])).stdout;
  const apply = (name: string, manifest: string) => {
    writeFileSync(join(directory, name), manifest);
    return kube('apply', '-f', join(directory, name));
  };
  const compliance = async (filter: string) =>
    (await fleet.hub.data<{ compliance: ComplianceView[] }>(`{ compliance(${filter}) { cluster policy policyVersion state violatingObjects { kind namespace name rule fieldPath message } history { edges { node { compliant kind namespace name policyVersion violations { rule } } } } } }`)).compliance;
  const ofEu = async () => (await compliance('cluster: "eu-1", policy: "no-escalation"'))[0];

  beforeAll(async () => {
    fleet = await startTestFleet(kind, { 'README.md': 'nothing to deploy\n' });
    directory = mkdtempSync(join(tmpdir(), 'capstan-compliance-'));
    await fleet.startAgent('eu-1', { region: 'eu' });
    await fleet.startAgent('us-1', { region: 'us' });
    writeFileSync(join(directory, 'kubeconfig'), buildKubeconfig([{ name: 'eu-1', server: fleet.kubeSim.clusterUrl('eu-1') }]));
    await kube('create', 'namespace', 'sandbox');
    await fleet.hub.data(
      `mutation { createPolicy(input: { name: "no-escalation", scope: { clusterSelector: "region=eu", kinds: [{ group: "apps", kind: "Deployment" }] }, rules: [{ type: "builtin", id: "allow-privilege-escalation" }] }) { version } }`,
    );
  }, 60_000);
  afterAll(async () => {
    await fleet.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('shows an object created with kubectl that violates a policy NonCompliant within seconds, and Compliant once fixed', async () => {
    expect((await eventually(ofEu, (view) => view?.state === 'Compliant')).state).toBe('Compliant');
    const changes = subscribeGraphql<{ complianceChanged: { state: string; violatingObjects: Array<{ name: string }> } }>(
      fleet.hub.hub.url,
      fleet.hub.adminToken,
      `subscription { complianceChanged(cluster: "eu-1", policy: "no-escalation") { state violatingObjects { name } } }`,
    );
    await apply('debug.yaml', deployment(true));
    const violating = await eventually(ofEu, (view) => view.state === 'NonCompliant', 10_000);
    expect(violating).toMatchObject({
      cluster: 'eu-1',
      policyVersion: 1,
      state: 'NonCompliant',
      violatingObjects: [{ kind: 'Deployment', namespace: 'sandbox', name: 'debug', rule: 'allow-privilege-escalation', fieldPath: 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation', message: expect.stringMatching(/^Deployment\/sandbox\/debug: /) }],
    });

    // Subscribers hear each change as the agent reports it.
    await changes.until(({ data }) => data?.complianceChanged.state === 'NonCompliant' && data.complianceChanged.violatingObjects[0]?.name === 'debug', 10_000);
    await apply('debug.yaml', deployment(false));
    const fixed = await eventually(ofEu, (view) => view.state === 'Compliant', 10_000);
    await changes.until(({ data }) => data?.complianceChanged.state === 'Compliant', 10_000);
    await changes.close();
    expect(fixed.violatingObjects).toEqual([]);
    expect(fixed.history.edges.map(({ node }) => [node.compliant, `${node.kind}/${node.namespace}/${node.name}`, node.policyVersion, node.violations.map((violation) => violation.rule)])).toEqual([
      [true, 'Deployment/sandbox/debug', 1, []],
      [false, 'Deployment/sandbox/debug', 1, ['allow-privilege-escalation']],
    ]);
    const events = await fleet.hub.data<{ events: { edges: Array<{ node: { type: string; cluster: string; subject: string } }> } }>(`{ events(cluster: "eu-1") { edges { node { type cluster subject } } } }`);
    expect(events.events.edges.map(({ node }) => node).filter((event) => event.type.startsWith('policy.'))).toEqual([
      { type: 'policy.compliant', cluster: 'eu-1', subject: 'no-escalation' },
      { type: 'policy.noncompliant', cluster: 'eu-1', subject: 'no-escalation' },
    ]);
  }, 30_000);

  it('judges a new version again, and a deleted object is compliant', async () => {
    await apply('debug.yaml', deployment(true));
    await eventually(ofEu, (view) => view.state === 'NonCompliant', 10_000);
    // Widened to the whole fleet: us-1 is judged too, and has nothing violating.
    await fleet.hub.data(`mutation { updatePolicy(input: { name: "no-escalation", scope: { kinds: [{ group: "apps", kind: "Deployment" }] } }) { version } }`);
    const judged = await eventually(
      () => compliance('policy: "no-escalation"'),
      (views) => views.length === 2 && views.every((view) => view.state !== 'Unknown'),
      10_000,
    );
    expect(judged.map((view) => [view.cluster, view.policyVersion, view.state, view.violatingObjects.map((object) => object.name)])).toEqual([
      ['eu-1', 2, 'NonCompliant', ['debug']],
      ['us-1', 2, 'Compliant', []],
    ]);

    await kube('delete', 'deployment', 'debug', '-n', 'sandbox');
    const gone = await eventually(ofEu, (view) => view.state === 'Compliant', 10_000);
    expect(gone.history.edges[0].node).toMatchObject({ compliant: true, name: 'debug', policyVersion: 2 });
  }, 30_000);

  it("keeps a scoped token's subscription to its own clusters", async () => {
    await fleet.hub.data(`mutation { createClusterGroup(input: { name: "us", selector: "region=us" }) { name } }`);
    const { createApiToken } = await fleet.hub.data<{ createApiToken: { secret: string } }>(`mutation { createApiToken(input: { name: "us-viewer", role: viewer, groupScope: ["us"] }) { secret } }`);
    const outOfScope = subscribeGraphql(fleet.hub.hub.url, createApiToken.secret, `subscription { complianceChanged(cluster: "eu-1") { state } }`);
    const refused = await outOfScope.until(({ errors }) => errors !== undefined, 10_000);
    expect(refused.errors?.[0].extensions?.['code']).toBe('NOT_FOUND');
    await outOfScope.close();
  });

  it('reads Unknown for a cluster whose agent is not connected', async () => {
    await fleet.agents[1].stop();
    // As if the agent had not been heard from for a minute.
    await fleet.hub.hub.app.get(DataSource).query(`UPDATE clusters SET last_seen_at = now() - interval '1 minute' WHERE name = 'us-1'`);
    expect((await compliance('cluster: "us-1"')).map((view) => [view.policy, view.state])).toEqual([['no-escalation', 'Unknown']]);
  });
});
