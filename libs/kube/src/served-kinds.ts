import { ApisApi } from '@kubernetes/client-node';
import type { ResourceManager } from './resource-manager';

/** A kind the cluster serves, at its group's preferred version. */
export interface ServedKind {
  /** `''` for the core group. */
  group: string;
  apiVersion: string;
  kind: string;
  namespaced: boolean;
}

/** Every kind the cluster serves that can be listed and watched (subresources left out), each at its group's preferred version. */
export async function servedKinds(manager: ResourceManager): Promise<ServedKind[]> {
  const groups = await manager.kubeConfig.makeApiClient(ApisApi).getAPIVersions();
  const versions = [{ group: '', apiVersion: 'v1' }, ...groups.groups.flatMap((group) => (group.preferredVersion ? [{ group: group.name, apiVersion: group.preferredVersion.groupVersion }] : []))];
  const served = await Promise.all(
    versions.map(async ({ group, apiVersion }) =>
      (await manager.client.resourcesOf(apiVersion))
        .filter((resource) => !resource.name.includes('/') && resource.verbs.includes('list') && resource.verbs.includes('watch'))
        .map((resource) => ({ group, apiVersion, kind: resource.kind, namespaced: resource.namespaced })),
    ),
  );
  return served.flat();
}
