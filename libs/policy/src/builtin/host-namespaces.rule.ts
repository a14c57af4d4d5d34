import { podSpecKinds, podSpecOf } from '../pod-spec';
import type { BuiltinRuleId, KubeObject } from '../types';
import { type BuiltinRuleDefinition, type Finding, noParams } from './builtin-rule';

/** The rule that a pod does not share one of the node's namespaces (`hostNetwork`, `hostPID`, `hostIPC`). */
function hostNamespaceRule(id: BuiltinRuleId, field: string, what: string): BuiltinRuleDefinition {
  return {
    id,
    severity: 'high',
    description: `pods do not share the node's ${what} (${field})`,
    params: noParams,
    kinds: () => podSpecKinds,
    check(object: KubeObject): Finding[] {
      const pod = podSpecOf(object);
      return pod?.spec[field] === true ? [{ fieldPath: `${pod.path}.${field}`, message: `the pod shares the node's ${what}` }] : [];
    },
  };
}

export const hostNetworkRule = hostNamespaceRule('host-network', 'hostNetwork', 'network namespace');
export const hostPidRule = hostNamespaceRule('host-pid', 'hostPID', 'process namespace');
export const hostIpcRule = hostNamespaceRule('host-ipc', 'hostIPC', 'IPC namespace');
