import { fieldsAt } from '../objects';
import { describeContainer, podSpecKinds, podSpecOf } from '../pod-spec';
import { type ResourceName, resourceNames } from '../types';
import { type BuiltinRuleDefinition, onlyParams, stringListParam } from './builtin-rule';

/** By default CPU and memory requests and a memory limit (a CPU limit throttles more than it protects). */
export const defaultRequiredResources: { requests: ResourceName[]; limits: ResourceName[] } = { requests: ['cpu', 'memory'], limits: ['memory'] };

export const resourcesMissingRule: BuiltinRuleDefinition<{ requests: string[]; limits: string[] }> = {
  id: 'resources-missing',
  severity: 'medium',
  description: 'containers and init containers declare resource requests and limits (default: cpu and memory requests, memory limit)',
  params(raw, fail) {
    onlyParams(raw, ['requests', 'limits'], fail);
    return {
      requests: stringListParam(raw, 'requests', fail, resourceNames) ?? defaultRequiredResources.requests,
      limits: stringListParam(raw, 'limits', fail, resourceNames) ?? defaultRequiredResources.limits,
    };
  },
  kinds: () => podSpecKinds,
  check(object, required) {
    // Ephemeral containers cannot declare resources.
    const containers = (podSpecOf(object)?.containers ?? []).filter((container) => container.list !== 'ephemeralContainers');
    return containers.flatMap((container) =>
      (['requests', 'limits'] as const).flatMap((kind) => {
        const declared = fieldsAt(fieldsAt(container.container, 'resources'), kind);
        return required[kind]
          .filter((resource) => declared?.[resource] === undefined || declared[resource] === null || declared[resource] === '')
          .map((resource) => ({ fieldPath: `${container.path}.resources.${kind}.${resource}`, message: `${describeContainer(container)} has no ${resource} ${kind === 'requests' ? 'request' : 'limit'}` }));
      }),
    );
  },
};
