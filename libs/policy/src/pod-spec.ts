import { arrayAt, type Fields, fieldsAt, groupOf, isFields } from './objects';
import type { GroupKind, KubeObject } from './types';

/** Where each workload kind keeps its pod spec, by group/kind. */
const podSpecPaths: Record<string, string[]> = {
  '/Pod': ['spec'],
  '/ReplicationController': ['spec', 'template', 'spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The workload kinds that hold a pod spec. */
export const podSpecKinds: readonly GroupKind[] = Object.keys(podSpecPaths).map((key) => {
  const [group, kind] = key.split('/');
  return { group, kind };
});

export const containerLists = ['initContainers', 'containers', 'ephemeralContainers'] as const;
export type ContainerList = (typeof containerLists)[number];

/** One container of a pod spec, with its field path (`spec.template.spec.containers[0]`). */
export interface ContainerAt {
  container: Fields;
  name: string;
  list: ContainerList;
  path: string;
}

/** A workload's pod spec with its field path (`spec.template.spec`). */
export interface PodSpecAt {
  spec: Fields;
  path: string;
  containers: ContainerAt[];
}

/** The pod spec of a workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController), if it is one. */
export function podSpecOf(object: KubeObject): PodSpecAt | undefined {
  const path = podSpecPaths[`${groupOf(object)}/${String(object.kind)}`];
  if (!path) return undefined;
  let spec: Fields | undefined = object;
  for (const key of path) spec = fieldsAt(spec, key);
  if (!spec) return undefined;
  const specPath = path.join('.');
  const containers: ContainerAt[] = [];
  for (const list of containerLists) {
    arrayAt(spec, list).forEach((container, index) => {
      if (isFields(container)) containers.push({ container, name: typeof container.name === 'string' ? container.name : `#${index}`, list, path: `${specPath}.${list}[${index}]` });
    });
  }
  return { spec, path: specPath, containers };
}

/** How messages name a container: `container "web"`, `init container "migrate"`. */
export function describeContainer(container: ContainerAt): string {
  const kind = container.list === 'initContainers' ? 'init container' : container.list === 'ephemeralContainers' ? 'ephemeral container' : 'container';
  return `${kind} "${container.name}"`;
}
