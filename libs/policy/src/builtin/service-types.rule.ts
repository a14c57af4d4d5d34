import { fieldsAt, groupOf } from '../objects';
import { type BuiltinRuleDefinition, onlyParams, stringListParam } from './builtin-rule';

const serviceTypes = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

/** By default only ClusterIP: NodePort and LoadBalancer expose the service outside the cluster, ExternalName can point anywhere. */
export const defaultAllowedServiceTypes = ['ClusterIP'];

export const serviceTypesRule: BuiltinRuleDefinition<{ allowed: string[] }> = {
  id: 'service-types',
  severity: 'medium',
  description: 'Services are of an allowed type (default: ClusterIP only)',
  params(raw, fail) {
    onlyParams(raw, ['allowed'], fail);
    return { allowed: stringListParam(raw, 'allowed', fail, serviceTypes) ?? defaultAllowedServiceTypes };
  },
  kinds: () => [{ group: '', kind: 'Service' }],
  check(object, { allowed }) {
    if (object.kind !== 'Service' || groupOf(object) !== '') return [];
    const declared = fieldsAt(object, 'spec')?.type;
    // An absent type is ClusterIP.
    const type = typeof declared === 'string' ? declared : 'ClusterIP';
    return allowed.includes(type) ? [] : [{ fieldPath: 'spec.type', message: `Service type ${type} is not allowed (allowed: ${allowed.join(', ')})` }];
  },
};
