import { arrayAt, fieldsAt, isFields } from '../objects';
import { podSpecKinds, podSpecOf } from '../pod-spec';
import { type BuiltinRuleDefinition, noParams } from './builtin-rule';

export const hostPathRule: BuiltinRuleDefinition = {
  id: 'host-path',
  severity: 'high',
  description: 'no volume mounts a path of the node (hostPath)',
  params: noParams,
  kinds: () => podSpecKinds,
  check(object) {
    const pod = podSpecOf(object);
    if (!pod) return [];
    return arrayAt(pod.spec, 'volumes').flatMap((volume, index) => {
      const hostPath = fieldsAt(volume, 'hostPath');
      if (!hostPath) return [];
      const name = isFields(volume) ? volume.name : undefined;
      return [{ fieldPath: `${pod.path}.volumes[${index}].hostPath`, message: `volume "${String(name ?? index)}" mounts the node's path ${String(hostPath.path ?? '')}` }];
    });
  },
};
