/** Kubeconfig files pointing at simulated clusters, one context per cluster. */
import { stringify } from 'yaml';

export interface KubeconfigCluster {
  name: string;
  server: string;
}

export interface KubeconfigOptions {
  /** PEM CA of a TLS server; without it clusters are marked `insecure-skip-tls-verify`, as plain HTTP needs for client-node. */
  certificateAuthority?: string;
  token?: string;
  currentContext?: string;
}

/** The kubeconfig YAML for `clusters`; the current context is the first cluster unless told. */
export function buildKubeconfig(clusters: readonly KubeconfigCluster[], options: KubeconfigOptions = {}): string {
  const clusterEntry = (server: string) =>
    options.certificateAuthority
      ? { server, 'certificate-authority-data': Buffer.from(options.certificateAuthority).toString('base64') }
      : { server, 'insecure-skip-tls-verify': true };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: clusters.map((cluster) => ({ name: cluster.name, cluster: clusterEntry(cluster.server) })),
    users: [{ name: 'kube-sim', user: options.token ? { token: options.token } : {} }],
    contexts: clusters.map((cluster) => ({ name: cluster.name, context: { cluster: cluster.name, user: 'kube-sim', namespace: 'default' } })),
    'current-context': options.currentContext ?? clusters[0]?.name ?? '',
  });
}
