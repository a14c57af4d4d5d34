import { arrayAt, fieldsAt } from '../objects';
import { describeContainer, podSpecKinds, podSpecOf } from '../pod-spec';
import { type BuiltinRuleDefinition, onlyParams, stringListParam } from './builtin-rule';

/** The capabilities Pod Security's baseline level allows containers to add. */
export const baselineCapabilities = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];

// Runtimes accept `CAP_CHOWN` and `chown` for CHOWN alike.
const normalise = (capability: string) => capability.toUpperCase().replace(/^CAP_/, '');

export const addedCapabilitiesRule: BuiltinRuleDefinition<{ allowed: Set<string> }> = {
  id: 'added-capabilities',
  severity: 'high',
  description: 'containers add no capabilities beyond an allowed set (default: the Pod Security baseline set)',
  params(raw, fail) {
    onlyParams(raw, ['allowed'], fail);
    return { allowed: new Set((stringListParam(raw, 'allowed', fail) ?? baselineCapabilities).map(normalise)) };
  },
  kinds: () => podSpecKinds,
  check(object, { allowed }) {
    return (podSpecOf(object)?.containers ?? []).flatMap((container) =>
      arrayAt(fieldsAt(fieldsAt(container.container, 'securityContext'), 'capabilities'), 'add').flatMap((capability, index) =>
        typeof capability === 'string' && allowed.has(normalise(capability))
          ? []
          : [{ fieldPath: `${container.path}.securityContext.capabilities.add[${index}]`, message: `${describeContainer(container)} adds capability ${String(capability)}, which is not allowed` }],
      ),
    );
  },
};
