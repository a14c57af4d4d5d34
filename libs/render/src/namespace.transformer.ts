import { isJsonObject } from '@capstan/manifest';
import type { Resource } from './resource';

/**
 * Applies `namespace`: every namespaced object moves there, Namespace objects are renamed to it,
 * and RoleBinding subjects for the ServiceAccount "default" follow (kustomize's defaultOnly mode;
 * subjects naming a ServiceAccount of this render follow through name references).
 */
export function applyNamespace(namespace: string | undefined, resources: readonly Resource[]): void {
  if (!namespace) return;
  for (const resource of resources) {
    const id = resource.id;
    if (id.kind === 'Namespace') resource.setName(namespace);
    else if (!resource.isClusterScoped) resource.setNamespace(namespace);
    if ((id.kind === 'RoleBinding' || id.kind === 'ClusterRoleBinding') && Array.isArray(resource.object.subjects)) {
      for (const subject of resource.object.subjects) {
        if (isJsonObject(subject) && subject.kind === 'ServiceAccount' && subject.name === 'default') subject.namespace = namespace;
      }
    }
  }
}
