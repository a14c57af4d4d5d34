/** Capstan's built-in policy rules, every one, for specs checking that what Capstan ships passes them. */
import { builtinRuleIds, compilePolicy, evaluate, type BuiltinRule, type KubeObject, type PolicyExemption, type Violation } from '@capstan/policy';

const params: Partial<Record<BuiltinRule['id'], Record<string, unknown>>> = {
  'required-labels': { labels: ['app.kubernetes.io/name', 'app.kubernetes.io/part-of'] },
};

/**
 * The violations of every built-in rule (with their default parameters, labels `app.kubernetes.io/name`
 * and `part-of` required) in `objects`, but for what `exemptions` cover.
 */
export function builtinRuleViolations(objects: readonly object[], exemptions: PolicyExemption[] = []): Violation[] {
  const rules = builtinRuleIds.map((id): BuiltinRule => ({ type: 'builtin', id, ...(params[id] ? { params: params[id] } : {}) }));
  const policy = compilePolicy({ name: 'built-in', description: 'every built-in rule', mode: 'enforce', scope: {}, exemptions, rules });
  return evaluate(policy, { objects: objects as KubeObject[], cluster: { name: 'test', labels: {}, groups: [] }, now: Date.now() });
}
