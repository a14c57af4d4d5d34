import { type JsonObject, toKustomizeYaml } from '@capstan/manifest';
import { type AgentInstallOptions, resolveAgentInstallOptions, type ResolvedAgentInstallOptions } from './agent-install-options';
import { agentName, agentRbac, type ObjectMetadata } from './agent-rbac';

/** A Kubernetes object as plain JSON. */
export type KubeObject = JsonObject;

/** The annotation naming the cluster an install belongs to, on every object and the agent's pod. */
export const clusterAnnotation = 'capstan.dev/cluster';
export const agentLabels = { 'app.kubernetes.io/name': agentName, 'app.kubernetes.io/part-of': 'capstan' };
/** Where the agent's pod finds the hub's public key (`hub.pub`) and CA (`ca.crt`). */
export const hubFilesDirectory = '/etc/capstan/hub';
export const agentHealthPort = 8081;

const dnsPort = 53;
// The `kubernetes` Service listens on 443; most CNIs judge egress after it is translated to the API server's own port, often 6443.
const kubernetesApiPorts = [443, 6443];

/**
 * Everything one cluster needs to run its agent, in apply order: namespace, service account,
 * Secret, RBAC, network policies, Deployment. Throws an AgentInstallError naming a wrong option.
 */
export function agentInstallManifests(options: AgentInstallOptions): KubeObject[] {
  const resolved = resolveAgentInstallOptions(options);
  const metadata: ObjectMetadata = (name, namespace) => ({
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels: { ...agentLabels },
    annotations: { [clusterAnnotation]: resolved.cluster },
  });
  const { namespace } = resolved;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(namespace) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(agentName, namespace) },
    credentialSecret(resolved, metadata),
    ...agentRbac(resolved, metadata),
    ...networkPolicies(resolved, metadata),
    agentDeployment(resolved, metadata),
  ];
}

/** The same objects as one multi-document YAML stream, printed as `kustomize build` prints. */
export function agentInstallYaml(options: AgentInstallOptions): string {
  return toKustomizeYaml(agentInstallManifests(options));
}

// Base64 `data`, as a kustomize secretGenerator writes it, so the kustomize base yields the same object.
function credentialSecret(options: ResolvedAgentInstallOptions, metadata: ObjectMetadata): KubeObject {
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(agentName, options.namespace),
    type: 'Opaque',
    data: {
      'bootstrap-token': base64(options.bootstrapToken),
      'hub.pub': base64(options.hubPublicKey),
      ...(options.hubCertificateAuthority === undefined ? {} : { 'ca.crt': base64(options.hubCertificateAuthority) }),
    },
  };
}

// The agent only dials out; nothing may reach it but the kubelet's probes, which network policies do not stop.
function networkPolicies(options: ResolvedAgentInstallOptions, metadata: ObjectMetadata): KubeObject[] {
  const tcp = (port: number) => ({ port, protocol: 'TCP' });
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata('default-deny', options.namespace),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(agentName, options.namespace),
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': agentName } },
        policyTypes: ['Egress'],
        egress: [
          { ports: [{ port: dnsPort, protocol: 'UDP' }, tcp(dnsPort)] },
          { ports: kubernetesApiPorts.map(tcp) },
          { ports: [tcp(options.hubPort)] },
        ],
      },
    },
  ];
}

function agentDeployment(options: ResolvedAgentInstallOptions, metadata: ObjectMetadata): KubeObject {
  const withCertificateAuthority = options.hubCertificateAuthority !== undefined;
  const hubFiles = ['hub.pub', ...(withCertificateAuthority ? ['ca.crt'] : [])];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(agentName, options.namespace),
    spec: {
      replicas: 1,
      // Two agents must never run for one cluster, not even during an upgrade.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { 'app.kubernetes.io/name': agentName } },
      template: {
        metadata: { labels: { ...agentLabels }, annotations: { [clusterAnnotation]: options.cluster } },
        spec: {
          serviceAccountName: agentName,
          automountServiceAccountToken: true,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'agent',
              image: options.image,
              env: [
                { name: 'CAPSTAN_HUB_GRPC_ADDRESS', value: options.hubAddress },
                // The agent reads its bootstrap token from this Secret and writes its credential back into it.
                { name: 'CAPSTAN_CREDENTIAL_SECRET', value: agentName },
                { name: 'CAPSTAN_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'CAPSTAN_HUB_PUBLIC_KEY_FILE', value: `${hubFilesDirectory}/hub.pub` },
                { name: 'CAPSTAN_HEALTH_PORT', value: String(agentHealthPort) },
                ...(withCertificateAuthority ? [{ name: 'CAPSTAN_HUB_CA_FILE', value: `${hubFilesDirectory}/ca.crt` }] : []),
                ...(options.hubInsecure ? [{ name: 'CAPSTAN_HUB_INSECURE', value: 'true' }] : []),
              ],
              ports: [{ name: 'health', containerPort: agentHealthPort }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'health' } },
              readinessProbe: { httpGet: { path: '/readyz', port: 'health' } },
              // An agent managing 500 objects stays near 82 MiB (100 MiB at its peak).
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'hub', mountPath: hubFilesDirectory, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            // Only the hub's public files: the bootstrap token stays in the Secret, read through the API.
            { name: 'hub', secret: { secretName: agentName, items: hubFiles.map((key) => ({ key, path: key })) } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}
