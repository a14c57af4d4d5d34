import { testDatabaseKinds } from '@capstan/persistence';
import { TestGitRepository } from '../testing/git-repository';
import { startTestHub, type TestHub } from '../testing/test-hub';

const shop = (allowPrivilegeEscalation: boolean) => ({
  'apps/shop/kustomization.yaml': 'resources:\n  - web.yaml\n',
  'apps/shop/web.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: shop/web:1\n          securityContext:\n            allowPrivilegeEscalation: ${allowPrivilegeEscalation}\n`,
});
const noEscalation = (mode: string) => `name: no-escalation\ndescription: containers may not gain privileges\nmode: ${mode}\nrules:\n  - type: builtin\n    id: allow-privilege-escalation\n`;
const replicasVap = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: few-replicas
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [deployments]
  validations:
    - expression: "!has(object.spec.replicas) || object.spec.replicas <= 5"
      message: at most 5 replicas
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: few-replicas
spec:
  policyName: few-replicas
  validationActions: [Warn]
`;

interface PolicyView {
  name: string;
  mode: string;
  version: number;
  source: string | null;
  versions: Array<{ version: number; savedBy: string }>;
}

describe.each(testDatabaseKinds())('policies from git (%s)', (kind) => {
  let hub: TestHub;
  let repository: TestGitRepository;

  const policies = async () => (await hub.data<{ policies: PolicyView[] }>(`{ policies { name mode version source versions { version savedBy } } }`)).policies;
  const sync = async () => (await hub.data<{ syncSource: { status: string; error: string | null } }>(`mutation { syncSource(name: "fleet") { status error } }`)).syncSource;
  const blockedClusters = async () =>
    (await hub.data<{ revisions: { edges: Array<{ node: { blockedClusters: string[] } }> } }>(`{ revisions(application: "shop", first: 1) { edges { node { blockedClusters } } } }`)).revisions.edges[0].node.blockedClusters;

  beforeAll(async () => {
    hub = await startTestHub(kind);
    repository = await TestGitRepository.create();
    await repository.commit({ ...shop(true), 'policies/no-escalation.yaml': noEscalation('enforce'), 'policies/admission/replicas.yaml': replicasVap }, 'Shop and its policies');
    await hub.data(`mutation { createCluster(input: { name: "eu-1", labels: { region: "eu" } }) { name } }`);
    await hub.data(`mutation { createClusterGroup(input: { name: "everywhere", selector: "region" }) { name } }`);
    await hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600, policyPath: "policies" }) { name policyPath } }`, { url: repository.url });
    await hub.data(`mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop", targets: [{ group: "everywhere" }] }) { name } }`);
  }, 60_000);
  afterAll(async () => {
    await hub.close();
    repository.remove();
  });

  it("makes each file's policies, owned by the source, before the commit's bundles are judged by them", async () => {
    expect(await sync()).toMatchObject({ error: null });
    expect(await policies()).toEqual([
      { name: 'few-replicas', mode: 'warn', version: 1, source: 'fleet', versions: [{ version: 1, savedBy: 'source/fleet' }] },
      { name: 'no-escalation', mode: 'enforce', version: 1, source: 'fleet', versions: [{ version: 1, savedBy: 'source/fleet' }] },
    ]);
    expect(await blockedClusters()).toEqual(['eu-1']);
    const audit = await hub.data<{ auditLog: { edges: Array<{ node: { action: string; reason: string } }> } }>(`{ auditLog(actor: "source/fleet") { edges { node { action reason } } } }`);
    expect(audit.auditLog.edges.map((edge) => edge.node)).toEqual([{ action: 'policy.sync', reason: expect.stringMatching(/^commit [0-9a-f]{7} of source fleet$/) }]);
  });

  it('refuses changes through the API to a policy from git, naming where to change it', async () => {
    const refused = await hub.graphql(`mutation { updatePolicy(input: { name: "no-escalation", mode: audit }) { version } }`);
    expect(refused.errors?.[0]).toMatchObject({ message: expect.stringContaining('policy "no-escalation" comes from git (source fleet, policies): change it there'), extensions: { code: 'CONFLICT' } });
    expect((await hub.graphql(`mutation { deletePolicy(name: "no-escalation") { name } }`)).errors?.[0].extensions?.['code']).toBe('CONFLICT');
  });

  it('saves a changed file as the next version, and an unchanged one not at all', async () => {
    await repository.commit({ 'policies/no-escalation.yaml': noEscalation('audit') }, 'Only record escalation');
    expect(await sync()).toMatchObject({ error: null });
    expect((await policies()).map((policy) => [policy.name, policy.mode, policy.version])).toEqual([
      ['few-replicas', 'warn', 1],
      ['no-escalation', 'audit', 2],
    ]);
    expect(await blockedClusters()).toEqual([]);
  });

  it('keeps the last good policies when a file is wrong, and says which file and why', async () => {
    await repository.commit({ 'policies/broken.yaml': 'name: broken\nrules:\n  - type: cel\n    name: bad\n    validations:\n      - expression: "object.spec.replicas >"\n' }, 'A broken policy');
    const outcome = await sync();
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/^policies: policies\/broken\.yaml \(document 1\): .*rule "bad".*at 1:\d+/);
    expect((await policies()).map((policy) => [policy.name, policy.version])).toEqual([
      ['few-replicas', 1],
      ['no-escalation', 2],
    ]);
    const source = await hub.data<{ source: { lastError: string } }>(`{ source(name: "fleet") { lastError } }`);
    expect(source.source.lastError).toContain('policies/broken.yaml');
  });

  it('deletes a policy whose file left git, and will not take over one made through the API', async () => {
    await repository.commit({ 'policies/broken.yaml': null, 'policies/admission/replicas.yaml': null }, 'Drop the replica limit');
    expect(await sync()).toMatchObject({ error: null });
    expect((await policies()).map((policy) => policy.name)).toEqual(['no-escalation']);

    await hub.data(`mutation { createPolicy(input: { name: "hand-made", rules: [{ type: "builtin", id: "host-network" }] }) { name } }`);
    await repository.commit({ 'policies/hand-made.yaml': 'name: hand-made\nrules:\n  - type: builtin\n    id: host-pid\n' }, 'Same name as one made by hand');
    expect((await sync()).error).toBe('policies: policy "hand-made" of source fleet exists already, made through the API: rename one of them');
    expect((await policies()).find((policy) => policy.name === 'hand-made')).toMatchObject({ source: null, version: 1 });
  });
});
