import type { BuiltinRuleId } from '../types';
import { addedCapabilitiesRule } from './added-capabilities.rule';
import type { BuiltinRuleDefinition } from './builtin-rule';
import { allowPrivilegeEscalationRule, privilegedContainerRule, readOnlyRootFilesystemRule } from './container-security.rule';
import { hostIpcRule, hostNetworkRule, hostPidRule } from './host-namespaces.rule';
import { hostPathRule } from './host-path.rule';
import { imageTagRule } from './image-tag.rule';
import { namespaceDefaultDenyRule } from './namespace-default-deny.rule';
import { requiredLabelsRule } from './required-labels.rule';
import { resourcesMissingRule } from './resources-missing.rule';
import { runAsNonRootRule } from './run-as-non-root.rule';
import { serviceTypesRule } from './service-types.rule';

/** Every built-in rule by its id; the type makes a missing id a compile error. */
export const builtinRules: { readonly [Id in BuiltinRuleId]: BuiltinRuleDefinition<unknown> } = {
  'allow-privilege-escalation': allowPrivilegeEscalationRule,
  'privileged-container': privilegedContainerRule,
  'added-capabilities': addedCapabilitiesRule,
  'resources-missing': resourcesMissingRule,
  'image-tag': imageTagRule,
  'run-as-non-root': runAsNonRootRule,
  'read-only-root-filesystem': readOnlyRootFilesystemRule,
  'host-path': hostPathRule,
  'host-network': hostNetworkRule,
  'host-pid': hostPidRule,
  'host-ipc': hostIpcRule,
  'namespace-default-deny': namespaceDefaultDenyRule,
  'required-labels': requiredLabelsRule,
  'service-types': serviceTypesRule,
};
