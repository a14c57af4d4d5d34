import { fieldsAt } from '../objects';
import { describeContainer, podSpecKinds, podSpecOf } from '../pod-spec';
import { type BuiltinRuleDefinition, noParams } from './builtin-rule';

export const runAsNonRootRule: BuiltinRuleDefinition = {
  id: 'run-as-non-root',
  severity: 'high',
  description: 'every container runs with runAsNonRoot: true (its own securityContext overrides the pod)',
  params: noParams,
  kinds: () => podSpecKinds,
  check(object) {
    const pod = podSpecOf(object);
    if (!pod) return [];
    const podLevel = fieldsAt(pod.spec, 'securityContext')?.runAsNonRoot;
    return pod.containers.flatMap((container) => {
      const own = fieldsAt(container.container, 'securityContext')?.runAsNonRoot;
      const effective = own ?? podLevel;
      if (effective === true) return [];
      // Point at the setting that decided: the container's, else the pod's false, else where it is missing.
      const fieldPath = own === undefined && podLevel !== undefined ? `${pod.path}.securityContext.runAsNonRoot` : `${container.path}.securityContext.runAsNonRoot`;
      return [{ fieldPath, message: `${describeContainer(container)} must run with runAsNonRoot: true` }];
    });
  },
};
