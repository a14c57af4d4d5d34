import { fieldsAt } from '../objects';
import { describeContainer, podSpecKinds, podSpecOf } from '../pod-spec';
import type { KubeObject } from '../types';
import { type BuiltinRuleDefinition, type Finding, noParams } from './builtin-rule';

/** Findings for the containers of a workload whose securityContext field `field` fails `holds`. */
function containerSecurity(object: KubeObject, field: string, holds: (value: unknown) => boolean, problem: string): Finding[] {
  return (podSpecOf(object)?.containers ?? [])
    .filter(({ container }) => !holds(fieldsAt(container, 'securityContext')?.[field]))
    .map((container) => ({ fieldPath: `${container.path}.securityContext.${field}`, message: `${describeContainer(container)} ${problem}` }));
}

export const allowPrivilegeEscalationRule: BuiltinRuleDefinition = {
  id: 'allow-privilege-escalation',
  severity: 'high',
  description: 'every container sets securityContext.allowPrivilegeEscalation: false',
  params: noParams,
  kinds: () => podSpecKinds,
  check: (object) => containerSecurity(object, 'allowPrivilegeEscalation', (value) => value === false, 'must set allowPrivilegeEscalation to false'),
};

export const privilegedContainerRule: BuiltinRuleDefinition = {
  id: 'privileged-container',
  severity: 'critical',
  description: 'no container runs privileged',
  params: noParams,
  kinds: () => podSpecKinds,
  check: (object) => containerSecurity(object, 'privileged', (value) => value !== true, 'must not run privileged'),
};

export const readOnlyRootFilesystemRule: BuiltinRuleDefinition = {
  id: 'read-only-root-filesystem',
  severity: 'medium',
  description: 'every container sets securityContext.readOnlyRootFilesystem: true',
  params: noParams,
  kinds: () => podSpecKinds,
  check: (object) => containerSecurity(object, 'readOnlyRootFilesystem', (value) => value === true, 'must set readOnlyRootFilesystem to true'),
};
