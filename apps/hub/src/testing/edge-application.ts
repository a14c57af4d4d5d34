import type { KubeSimServer } from '@capstan/kube-sim';

/** The files of the `edge` application at a release: one ConfigMap whose `value` says which. */
export function edgeRelease(value: string): Record<string, string> {
  return {
    'apps/edge/kustomization.yaml': 'resources:\n  - settings.yaml\n',
    'apps/edge/settings.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: edge\n  namespace: default\ndata:\n  value: "${value}"\n`,
  };
}

/** The release of `edge` a kube-sim cluster runs, as its ConfigMap says; undefined before any. */
export function edgeReleaseOn(kubeSim: KubeSimServer, cluster: string): string | undefined {
  return (kubeSim.cluster(cluster).findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'edge', namespace: 'default' })?.['data'] as Record<string, string> | undefined)?.['value'];
}
