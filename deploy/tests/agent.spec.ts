/**
 * The agent's three ways in — the install bundle, the kustomize base with its example overlay, the
 * Helm chart — give the same objects, which a Kubernetes API server accepts and Capstan's
 * built-in policies pass.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentInstallOptions, agentInstallManifests, agentInstallYaml } from '@capstan/agent-install';
import { builtinRuleViolations } from '@capstan/agent-install/src/testing/builtin-policy';
import { formatIdentity, identityOf, type JsonObject, toKustomizeYaml } from '@capstan/manifest';
import { capstanRender, helm, helmTemplate, kubectl, objectsByIdentity, repositoryRoot, run, SimulatedClusters } from './deploy-fixture';

const example = join(repositoryRoot, 'deploy', 'agent', 'kustomize', 'example');
// The values deploy/agent/kustomize/example/kustomization.yaml sets, with its files.
const exampleOptions: AgentInstallOptions = {
  cluster: 'eu-1',
  hubAddress: 'hub.example.com:4001',
  bootstrapToken: 'cbt_0123456789abcdef',
  hubPublicKey: readFileSync(join(example, 'hub.pub'), 'utf8'),
  hubCertificateAuthority: readFileSync(join(example, 'ca.crt'), 'utf8'),
  image: 'capstan/agent:0.1.0',
};
const narrowed: AgentInstallOptions = {
  ...exampleOptions,
  hubCertificateAuthority: undefined,
  hubAddress: '10.0.0.7:443',
  access: { namespaces: ['shop', 'payments'], rules: [{ apiGroups: ['', 'apps'], resources: ['configmaps', 'deployments'] }] },
};
const applicationNamespaces = [{ namespaces: ['shop', 'payments'], reason: 'network policies come with the applications' }];

/*
 * What Kubernetes stores for an object, where renderers may differ in form only: Secret data
 * decoded (kustomize wraps base64 lines) and environment variables by name (a strategic merge
 * patch may reorder them; Kubernetes merges them by name too).
 */
function normalised(object: JsonObject): JsonObject {
  const copy = structuredClone(object) as any;
  if (copy.kind === 'Secret') copy.data = Object.fromEntries(Object.entries(copy.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  for (const container of copy.spec?.template?.spec?.containers ?? []) container.env?.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
  return copy;
}

function expectSameObjects(rendered: string, options: AgentInstallOptions): void {
  const expected = new Map(agentInstallManifests(options).map((object) => [formatIdentity(identityOf(object)), normalised(object)]));
  const actual = new Map([...objectsByIdentity(rendered)].map(([identity, object]) => [identity, normalised(object)]));
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [identity, object] of expected) expect({ identity, object: actual.get(identity) }).toEqual({ identity, object });
}

function helmValues(options: AgentInstallOptions): Record<string, unknown> {
  return { ...options, hubCertificateAuthority: options.hubCertificateAuthority ?? '', access: options.access ?? { namespaces: [], rules: [] } };
}

const describeWithBinaries = kubectl.path && helm.path ? describe : describe.skip;
if (!kubectl.path || !helm.path) console.log(`deploy agent suite skipped: ${kubectl.reason ?? helm.reason}`);

describeWithBinaries('installing the agent', () => {
  const clusters = new SimulatedClusters();
  let kustomized: string;

  beforeAll(async () => {
    await clusters.start();
    kustomized = await capstanRender('deploy/agent/kustomize/example');
  });
  afterAll(() => clusters.stop());

  /** Applies `yaml` server-side to a new cluster holding `namespaces`, expecting success. */
  async function expectApplied(yaml: string, namespaces: readonly string[] = []): Promise<void> {
    const kube = await clusters.cluster();
    for (const namespace of namespaces) expect(await kube(['create', 'namespace', namespace])).toMatchObject({ code: 0 });
    const applied = await kube(['apply', '--server-side', '-f', '-'], yaml);
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(applied.stdout).toContain('deployment.apps/capstan-agent serverside-applied');
  }

  it.each([
    ['by default', exampleOptions, []],
    ['narrowed to namespaces that exist', narrowed, narrowed.access!.namespaces],
  ])('applies the install bundle %s', async (_case, options, namespaces) => {
    await expectApplied(agentInstallYaml(options), namespaces);
  });

  it('renders the kustomize example through capstan render as kubectl kustomize does', async () => {
    const reference = await run(kubectl.path!, ['kustomize', example]);
    expect(reference).toMatchObject({ code: 0, stderr: '' });
    expect(toKustomizeYaml([...objectsByIdentity(kustomized).values()])).toBe(toKustomizeYaml([...objectsByIdentity(reference.stdout).values()]));
  });

  it('gives with the kustomize example the objects of the install bundle, which apply', async () => {
    expectSameObjects(kustomized, exampleOptions);
    await expectApplied(kustomized);
  });

  it.each([
    ['by default, with a CA', exampleOptions, []],
    ['narrowed, without a CA', narrowed, narrowed.access!.namespaces],
  ])('gives with the Helm chart %s the objects of the install bundle, which apply', async (_case, options, namespaces) => {
    const rendered = await helmTemplate('deploy/agent/helm/capstan-agent', helmValues(options));
    expectSameObjects(rendered, options);
    await expectApplied(rendered, namespaces);
  });

  it('refuses in the Helm chart a hub address that is not host:port, as the bundle does', async () => {
    await expect(helmTemplate('deploy/agent/helm/capstan-agent', helmValues({ ...exampleOptions, hubAddress: 'https://hub.example.com' }))).rejects.toThrow(
      'hubAddress must be host:port as agents reach the hub',
    );
  });

  it("passes Capstan's built-in policies whichever way it is rendered", async () => {
    expect(builtinRuleViolations([...objectsByIdentity(kustomized).values()])).toEqual([]);
    const narrowedChart = await helmTemplate('deploy/agent/helm/capstan-agent', helmValues(narrowed));
    expect(builtinRuleViolations([...objectsByIdentity(narrowedChart).values()], applicationNamespaces)).toEqual([]);
  });
});
