import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIdentity, identityOf, parseManifestObjects } from '@capstan/manifest';
import { type AgentInstallOptions, AgentInstallError, agentInstallManifests, agentInstallYaml, type KubeObject } from './index';
import { builtinRuleViolations } from './testing/builtin-policy';

const hubPublicKey = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAq6Y1oTS3t3I3bN8C1e5eJc8J0m1M3G6Hf0m3Yw6cZ4s=\n-----END PUBLIC KEY-----\n';
const hubCertificateAuthority = '-----BEGIN CERTIFICATE-----\nMIIBfzCCASWgAwIBAgIUZ2NhcHN0YW4=\n-----END CERTIFICATE-----\n';
const options: AgentInstallOptions = { cluster: 'eu-1', hubAddress: 'hub.example.com:4001', bootstrapToken: 'cbt_0123456789abcdef', hubPublicKey, image: 'capstan/agent:0.1.0' };
const narrowed: AgentInstallOptions = {
  ...options,
  access: { namespaces: ['shop', 'payments'], rules: [{ apiGroups: ['', 'apps'], resources: ['configmaps', 'services', 'deployments'] }] },
};

const identities = (objects: KubeObject[]) => objects.map((object) => formatIdentity(identityOf(object)));
const find = (objects: KubeObject[], identity: string): any => objects.find((object) => formatIdentity(identityOf(object)) === identity);
const agentContainer = (objects: KubeObject[]) => find(objects, 'Deployment/capstan-system/capstan-agent').spec.template.spec.containers[0];
const fromBase64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');

describe('agentInstallManifests', () => {
  it('prints the default install as the golden bundle', () => {
    expect(agentInstallYaml(options)).toBe(readFileSync(join(__dirname, '__fixtures__', 'default-install.yaml'), 'utf8'));
  });

  it('orders the objects as they must be applied: namespace first, the Deployment last', () => {
    expect(identities(agentInstallManifests(options))).toEqual([
      'Namespace/capstan-system',
      'ServiceAccount/capstan-system/capstan-agent',
      'Secret/capstan-system/capstan-agent',
      'ClusterRole/capstan-agent',
      'ClusterRoleBinding/capstan-agent',
      'Role/capstan-system/capstan-agent-state',
      'RoleBinding/capstan-system/capstan-agent-state',
      'NetworkPolicy/capstan-system/default-deny',
      'NetworkPolicy/capstan-system/capstan-agent',
      'Deployment/capstan-system/capstan-agent',
    ]);
  });

  it('labels every object as the agent and names the cluster in an annotation, on the pod too', () => {
    const objects = agentInstallManifests(options);
    for (const object of objects) {
      expect(object.metadata).toMatchObject({ labels: { 'app.kubernetes.io/name': 'capstan-agent', 'app.kubernetes.io/part-of': 'capstan' }, annotations: { 'capstan.dev/cluster': 'eu-1' } });
    }
    expect(find(objects, 'Deployment/capstan-system/capstan-agent').spec.template.metadata.annotations).toEqual({ 'capstan.dev/cluster': 'eu-1' });
  });

  it('lets the agent manage everything by default, bound to its service account', () => {
    const objects = agentInstallManifests(options);
    expect(find(objects, 'ClusterRole/capstan-agent').rules).toEqual([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    expect(find(objects, 'ClusterRoleBinding/capstan-agent')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'capstan-agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'capstan-agent', namespace: 'capstan-system' }],
    });
  });

  it('narrowed, grants the listed rules per listed namespace and cluster-wide only reads of namespaces and CRDs', () => {
    const objects = agentInstallManifests(narrowed);
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    for (const namespace of ['shop', 'payments']) {
      expect(find(objects, `Role/${namespace}/capstan-agent`).rules).toEqual([{ apiGroups: ['', 'apps'], resources: ['configmaps', 'services', 'deployments'], verbs }]);
      expect(find(objects, `RoleBinding/${namespace}/capstan-agent`)).toMatchObject({
        roleRef: { kind: 'Role', name: 'capstan-agent' },
        subjects: [{ kind: 'ServiceAccount', name: 'capstan-agent', namespace: 'capstan-system' }],
      });
    }
    expect(find(objects, 'ClusterRole/capstan-agent').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['capstan-system'], verbs: ['patch'] },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(identities(objects).filter((identity) => identity.startsWith('Role'))).toEqual([
      'Role/capstan-system/capstan-agent-state',
      'Role/shop/capstan-agent',
      'Role/payments/capstan-agent',
      'RoleBinding/capstan-system/capstan-agent-state',
      'RoleBinding/shop/capstan-agent',
      'RoleBinding/payments/capstan-agent',
    ]);
  });

  it.each([
    ['by default', options],
    ['narrowed', narrowed],
  ])('%s, lets the agent keep its credential and caches in the Secrets of its namespace', (_case, given) => {
    expect(find(agentInstallManifests(given), 'Role/capstan-system/capstan-agent-state').rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    ]);
  });

  it.each([
    ['without a CA', options, ['bootstrap-token', 'hub.pub'], ['hub.pub']],
    ['with a CA', { ...options, hubCertificateAuthority }, ['bootstrap-token', 'hub.pub', 'ca.crt'], ['hub.pub', 'ca.crt']],
  ])('%s, keeps the token and the hub files in the Secret and mounts only the hub files', (_case, given, secretKeys, mounted) => {
    const objects = agentInstallManifests(given);
    const secret = find(objects, 'Secret/capstan-system/capstan-agent');
    expect(secret.type).toBe('Opaque');
    expect(Object.keys(secret.data)).toEqual(secretKeys);
    expect(fromBase64(secret.data['bootstrap-token'])).toBe('cbt_0123456789abcdef');
    expect(fromBase64(secret.data['hub.pub'])).toBe(hubPublicKey);
    const pod = find(objects, 'Deployment/capstan-system/capstan-agent').spec.template.spec;
    expect(pod.volumes[0]).toEqual({ name: 'hub', secret: { secretName: 'capstan-agent', items: mounted.map((key) => ({ key, path: key })) } });
    expect(agentContainer(objects).volumeMounts).toEqual([
      { name: 'hub', mountPath: '/etc/capstan/hub', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    const caFile = agentContainer(objects).env.find((variable: { name: string }) => variable.name === 'CAPSTAN_HUB_CA_FILE');
    expect(caFile?.value).toBe(given.hubCertificateAuthority ? '/etc/capstan/hub/ca.crt' : undefined);
  });

  it('tells the agent to dial a hub that serves gRPC without TLS in the clear, and only then', () => {
    const insecure = (given: AgentInstallOptions) => agentContainer(agentInstallManifests(given)).env.find((variable: { name: string }) => variable.name === 'CAPSTAN_HUB_INSECURE');
    expect(insecure({ ...options, hubInsecure: true })).toEqual({ name: 'CAPSTAN_HUB_INSECURE', value: 'true' });
    expect(insecure(options)).toBeUndefined();
  });

  it('configures the agent through its environment', () => {
    expect(agentContainer(agentInstallManifests(options)).env).toEqual([
      { name: 'CAPSTAN_HUB_GRPC_ADDRESS', value: 'hub.example.com:4001' },
      { name: 'CAPSTAN_CREDENTIAL_SECRET', value: 'capstan-agent' },
      { name: 'CAPSTAN_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'CAPSTAN_HUB_PUBLIC_KEY_FILE', value: '/etc/capstan/hub/hub.pub' },
      { name: 'CAPSTAN_HEALTH_PORT', value: '8081' },
    ]);
  });

  it('runs one agent at a time, recreated rather than rolled, locked down', () => {
    const deployment = find(agentInstallManifests(options), 'Deployment/capstan-system/capstan-agent');
    expect(deployment.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    expect(deployment.spec.template.spec).toMatchObject({
      serviceAccountName: 'capstan-agent',
      automountServiceAccountToken: true,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(agentContainer(agentInstallManifests(options))).toMatchObject({
      image: 'capstan/agent:0.1.0',
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      ports: [{ name: 'health', containerPort: 8081 }],
      livenessProbe: { httpGet: { path: '/healthz', port: 'health' } },
      readinessProbe: { httpGet: { path: '/readyz', port: 'health' } },
    });
  });

  it.each([
    ['hub.example.com:4001', 4001],
    ['10.0.0.7:443', 443],
    ['[fd00::1]:9443', 9443],
  ])('lets the agent dial out to DNS, the Kubernetes API and the hub at %s only', (hubAddress, hubPort) => {
    const objects = agentInstallManifests({ ...options, hubAddress });
    expect(find(objects, 'NetworkPolicy/capstan-system/default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(find(objects, 'NetworkPolicy/capstan-system/capstan-agent').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'capstan-agent' } },
      policyTypes: ['Egress'],
      egress: [
        { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
        { ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
        { ports: [{ port: hubPort, protocol: 'TCP' }] },
      ],
    });
  });

  it('puts every namespaced object in the namespace given', () => {
    const objects = agentInstallManifests({ ...options, namespace: 'fleet-agent' });
    expect(identities(objects)).toContain('Namespace/fleet-agent');
    expect(identities(objects).filter((identity) => identity.includes('capstan-system'))).toEqual([]);
    expect(find(objects, 'ClusterRoleBinding/capstan-agent').subjects[0].namespace).toBe('fleet-agent');
  });

  it.each<[string, Partial<AgentInstallOptions>, string]>([
    ['a hub address without a port', { hubAddress: 'hub.example.com' }, 'hubAddress: must be host:port as agents reach the hub, e.g. hub.example.com:4001, got "hub.example.com"'],
    ['a hub address with a URL scheme', { hubAddress: 'https://hub.example.com:4001' }, 'hubAddress: must be host:port'],
    ['a hub port out of range', { hubAddress: 'hub.example.com:70000' }, 'hubAddress: must be host:port'],
    ['an empty bootstrap token', { bootstrapToken: ' ' }, 'bootstrapToken: required'],
    ['a bootstrap token with a newline', { bootstrapToken: 'abc\n' }, 'bootstrapToken: must not contain whitespace'],
    ['an empty cluster name', { cluster: '' }, 'cluster: required'],
    ['a public key that is not PEM', { hubPublicKey: 'MCowBQYDK2VwAyEA' }, 'hubPublicKey: must be a PEM public key'],
    ['a CA that is not a PEM certificate', { hubCertificateAuthority: hubPublicKey }, 'hubCertificateAuthority: must be a PEM certificate'],
    ['an image without a tag', { image: 'capstan/agent' }, 'image: must be pinned to a tag other than latest or a digest, got "capstan/agent"'],
    ['an image tagged latest', { image: 'registry:5000/capstan/agent:latest' }, 'image: must be pinned'],
    ['an invalid namespace name', { namespace: 'Capstan_System' }, 'namespace: "Capstan_System" must consist of lower case alphanumeric characters'],
    ['no namespaces to manage', { access: { namespaces: [], rules: [{ apiGroups: [''], resources: ['configmaps'] }] } }, 'access.namespaces: required'],
    ['an invalid namespace to manage', { access: { namespaces: ['shop', 'Shop'], rules: [{ apiGroups: [''], resources: ['configmaps'] }] } }, 'access.namespaces[1]: "Shop" must consist'],
    ['a namespace listed twice', { access: { namespaces: ['shop', 'shop'], rules: [{ apiGroups: [''], resources: ['configmaps'] }] } }, 'access.namespaces[1]: "shop" is listed twice'],
    ['no rules', { access: { namespaces: ['shop'], rules: [] } }, 'access.rules: required'],
    ['a rule without resources', { access: { namespaces: ['shop'], rules: [{ apiGroups: ['apps'], resources: [] }] } }, 'access.rules[0].resources: required'],
    ['a rule without API groups', { access: { namespaces: ['shop'], rules: [{ apiGroups: [], resources: ['deployments'] }] } }, 'access.rules[0].apiGroups: required'],
  ])('refuses %s, naming the option', (_case, change, message) => {
    const install = () => agentInstallManifests({ ...options, ...change });
    expect(install).toThrow(AgentInstallError);
    expect(install).toThrow(`agent install: ${message}`);
  });

  it('accepts an image pinned by digest alone', () => {
    expect(agentContainer(agentInstallManifests({ ...options, image: 'capstan/agent@sha256:0123' })).image).toBe('capstan/agent@sha256:0123');
  });

  it('reads back from its YAML as the same objects', () => {
    expect(parseManifestObjects(agentInstallYaml(narrowed), 'install.yaml')).toEqual(agentInstallManifests(narrowed));
  });
});

describe("the install bundle under Capstan's built-in policies", () => {
  it('violates none by default', () => {
    expect(builtinRuleViolations(agentInstallManifests(options))).toEqual([]);
  });

  it('narrowed, with a CA, violates none in its own namespace', () => {
    // The agent's Roles reach into the applications' namespaces; their network policies come with the applications.
    const applications = { namespaces: ['shop', 'payments'], reason: 'network policies come with the applications' };
    expect(builtinRuleViolations(agentInstallManifests({ ...narrowed, hubCertificateAuthority }), [applications])).toEqual([]);
  });

  const weakened: Array<[string, (container: any, pod: any) => void, string]> = [
    ['a writable root file system', (container) => delete container.securityContext.readOnlyRootFilesystem, 'read-only-root-filesystem'],
    ['privilege escalation allowed', (container) => (container.securityContext.allowPrivilegeEscalation = true), 'allow-privilege-escalation'],
    ['no memory limit', (container) => delete container.resources.limits.memory, 'resources-missing'],
    ['root allowed', (_container, pod) => delete pod.securityContext.runAsNonRoot, 'run-as-non-root'],
    ['the latest image', (container) => (container.image = 'capstan/agent:latest'), 'image-tag'],
  ];
  it.each(weakened)('would catch %s', (_case, weaken, rule) => {
    const objects = agentInstallManifests(options);
    const pod = find(objects, 'Deployment/capstan-system/capstan-agent').spec.template.spec;
    weaken(pod.containers[0], pod);
    expect(builtinRuleViolations(objects).map((violation) => violation.rule)).toEqual([rule]);
  });

  it('would catch a namespace left without its default-deny policy', () => {
    const objects = agentInstallManifests(options).filter((object) => formatIdentity(identityOf(object)) !== 'NetworkPolicy/capstan-system/default-deny');
    expect(builtinRuleViolations(objects).map((violation) => `${violation.rule} ${violation.object.kind}/${violation.object.name}`)).toEqual(['namespace-default-deny Namespace/capstan-system']);
  });
});
