import type { Kustomization } from './kustomization';
import { RenderError } from './render-error';
import type { Resource } from './resource';

const scalableKinds = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];

/** Applies `replicas`: sets spec.replicas of the workloads with that (current or earlier) name. */
export function applyReplicas(kustomization: Kustomization, resources: readonly Resource[]): void {
  kustomization.replicas.forEach((replica, index) => {
    const matches = resources.filter((resource) => scalableKinds.includes(resource.kind) && resource.allIds.some((id) => id.name === replica.name));
    if (matches.length === 0) {
      throw new RenderError(kustomization.file, `replicas[${index}].name`, `no ${scalableKinds.join(', ')} named ${JSON.stringify(replica.name)}`);
    }
    for (const resource of matches) {
      const spec = resource.object.spec;
      if (spec !== undefined && (typeof spec !== 'object' || spec === null || Array.isArray(spec))) {
        throw new RenderError(resource.source, 'spec', `${resource.label}: spec is not a mapping`);
      }
      resource.object.spec = { ...(spec ?? {}), replicas: replica.count };
    }
  });
}
