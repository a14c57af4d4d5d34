/**
 * Policies at the cluster's door: the CEL rules of a policy in enforce mode reach the cluster's
 * agent, which delivers them as ValidatingAdmissionPolicies bound with Deny, so an out-of-band
 * `kubectl apply` (the reference kubectl, 1.33) that violates them is refused by the cluster itself.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKubeconfig } from '@capstan/kube-sim';
import { testDatabaseKinds } from '@capstan/persistence';
import { runCommand } from '../testing/command';
import { referenceKubectl } from '../testing/reference-kubectl';
import { startTestFleet, type TestFleet } from '../testing/test-fleet';
import { until } from '../testing/wait';

const kubectl = referenceKubectl;
if (!kubectl.path) console.log(`admission delivery suite skipped: ${kubectl.reason}`);
const describeWithKubectl = kubectl.path ? describe : describe.skip;

const pinnedImagesRule = {
  type: 'cel',
  name: 'tagged',
  matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment'] }] },
  validations: [{ expression: "object.spec.template.spec.containers.all(c, c.image.contains(':'))", message: 'pinned-images: every container image names its tag', reason: 'Forbidden' }],
};
const nativeName = 'capstan-pinned-images-tagged';

const deployment = (name: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: web
        image: ${image}
`;

describeWithKubectl.each(testDatabaseKinds())('policies enforced at admission (%s)', (kind) => {
  let fleet: TestFleet;
  let directory: string;
  const kube = (...args: string[]) => runCommand(kubectl.path as string, ['--kubeconfig', join(directory, 'kubeconfig'), ...args]);
  const apply = (name: string, manifest: string) => {
    writeFileSync(join(directory, `${name}.yaml`), manifest);
    return kube('apply', '-f', join(directory, `${name}.yaml`));
  };
  const nativeObjects = async () => {
    const listed = await kube('get', 'validatingadmissionpolicies,validatingadmissionpolicybindings', '-l', 'app.kubernetes.io/managed-by=capstan', '-o', 'name');
    return listed.stdout.split('\n').filter(Boolean).sort();
  };

  beforeAll(async () => {
    fleet = await startTestFleet(kind, { 'README.md': 'nothing to deploy\n' });
    directory = mkdtempSync(join(tmpdir(), 'capstan-admission-'));
    await fleet.startAgent('eu-1', { region: 'eu' });
    writeFileSync(join(directory, 'kubeconfig'), buildKubeconfig([{ name: 'eu-1', server: fleet.kubeSim.clusterUrl('eu-1') }]));
    expect((await kube('create', 'namespace', 'shop')).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await fleet.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('refuses a violating kubectl apply under enforce with the policy’s message, admits a compliant one, and admits both once the policy only audits', async () => {
    await fleet.hub.data(`mutation($rules: [JSONObject!]) { createPolicy(input: { name: "pinned-images", mode: enforce, scope: { clusterSelector: "region=eu", namespaces: ["shop"] }, rules: $rules }) { version } }`, {
      rules: [pinnedImagesRule],
    });
    const delivered = [`validatingadmissionpolicy.admissionregistration.k8s.io/${nativeName}`, `validatingadmissionpolicybinding.admissionregistration.k8s.io/${nativeName}`];
    await until(async () => (await nativeObjects()).join() === delivered.join(), 15_000);

    const refused = await apply('unpinned', deployment('unpinned', 'nginx'));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`ValidatingAdmissionPolicy '${nativeName}' with binding '${nativeName}' denied request: pinned-images: every container image names its tag`);
    expect((await kube('get', 'deployment', 'unpinned', '-n', 'shop')).code).not.toBe(0);
    expect(await apply('pinned', deployment('pinned', 'nginx:1.27'))).toMatchObject({ code: 0 });

    await fleet.hub.data(`mutation { updatePolicy(input: { name: "pinned-images", mode: audit }) { version } }`);
    await until(async () => (await nativeObjects()).length === 0, 15_000);
    expect(await apply('unpinned', deployment('unpinned', 'nginx'))).toMatchObject({ code: 0 });
  }, 60_000);
});
