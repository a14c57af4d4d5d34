import { type BuiltinRuleDefinition, type ParamFail } from './builtin/builtin-rule';
import { builtinRules } from './builtin/builtin-rules';
import { defaultCostLimit } from './cel/cel-cost';
import { compileCelRule, type CompiledCelRule } from './cel/cel-rule';
import { isFields } from './objects';
import { PolicyError } from './policy-error';
import { type CompiledExemption, type CompiledScope, compileExemptions, compileScope, type CompileFail } from './scope';
import { type BuiltinRuleId, builtinRuleIds, type Policy, policyModes, type Severity, severities } from './types';

export interface CompileOptions {
  /** The cost budget of one CEL expression's evaluation (comprehension iterations, values built). */
  costLimit: number;
}

/** Default CEL budget: 100,000 (a runaway expression stops within about 0.25 s on one core). */
export function defaultCompileOptions(): CompileOptions {
  return { costLimit: defaultCostLimit };
}

/** A built-in rule with its parameters checked and defaulted. */
export interface CompiledBuiltinRule {
  type: 'builtin';
  name: BuiltinRuleId;
  severity: Severity;
  definition: BuiltinRuleDefinition<unknown>;
  params: unknown;
}

export interface CompiledCelPolicyRule {
  type: 'cel';
  name: string;
  severity: Severity;
  cel: CompiledCelRule;
}

export type CompiledRule = CompiledBuiltinRule | CompiledCelPolicyRule;

/** A policy ready to evaluate: validated, its selectors parsed and its expressions checked. */
export interface CompiledPolicy {
  readonly policy: Policy;
  readonly scope: CompiledScope;
  readonly exemptions: readonly CompiledExemption[];
  readonly rules: readonly CompiledRule[];
}

/**
 * Validates and compiles a policy. Anything wrong (an unknown built-in id, bad params, a bad
 * selector, CEL that does not parse or type-check) throws a PolicyError naming the rule, the
 * field and, inside an expression, the line and column.
 */
export function compilePolicy(policy: Policy, options: Partial<CompileOptions> = {}): CompiledPolicy {
  const { costLimit } = { ...defaultCompileOptions(), ...options };
  const name = isFields(policy) && typeof policy.name === 'string' ? policy.name : '';
  const fail: CompileFail = (field, reason, code = 'InvalidPolicy') => {
    throw new PolicyError(code, name, field, reason);
  };
  if (!isFields(policy)) fail('', 'must be an object');
  if (name.trim() === '') fail('name', 'required');
  if (typeof policy.description !== 'string') fail('description', 'required: a string');
  if (!policyModes.includes(policy.mode)) fail('mode', `"${String(policy.mode)}" is not one of ${policyModes.join(', ')}`);
  if (policy.version !== undefined && (!Number.isInteger(policy.version) || policy.version < 0)) fail('version', 'must be a whole number');
  const scope = compileScope(policy.scope, fail);
  const exemptions = compileExemptions(policy.exemptions, fail);
  if (!Array.isArray(policy.rules) || policy.rules.length === 0) fail('rules', 'required: at least one rule');

  const ruleNames = new Set<string>();
  const rules = policy.rules.map((rule, index): CompiledRule => {
    const field = `rules[${index}]`;
    if (!isFields(rule)) return fail(field, 'must be an object');
    const ruleName = rule.type === 'builtin' ? rule.id : rule.name;
    if (rule.severity !== undefined && !severities.includes(rule.severity)) {
      throw new PolicyError('InvalidPolicy', name, `${field}.severity`, `"${String(rule.severity)}" is not one of ${severities.join(', ')}`, String(ruleName));
    }
    if (typeof ruleName === 'string' && ruleNames.has(ruleName)) throw new PolicyError('InvalidPolicy', name, field, 'a policy names each rule once', ruleName);
    ruleNames.add(String(ruleName));
    if (rule.type === 'builtin') {
      if (!builtinRuleIds.includes(rule.id)) throw new PolicyError('UnknownRule', name, `${field}.id`, `"${String(rule.id)}" is not a built-in rule (one of ${builtinRuleIds.join(', ')})`, String(rule.id));
      const definition = builtinRules[rule.id];
      if (rule.params !== undefined && !isFields(rule.params)) throw new PolicyError('InvalidParams', name, `${field}.params`, 'must be an object', rule.id);
      const paramFail: ParamFail = (param, reason) => {
        throw new PolicyError('InvalidParams', name, `${field}.params.${param}`, reason, rule.id);
      };
      return { type: 'builtin', name: rule.id, severity: rule.severity ?? definition.severity, definition, params: definition.params(rule.params ?? {}, paramFail) };
    }
    if (rule.type === 'cel') return { type: 'cel', name: rule.name, severity: rule.severity ?? 'medium', cel: compileCelRule(rule, name, index, costLimit) };
    return fail(`${field}.type`, `"${String((rule as { type?: unknown }).type)}" is not builtin or cel`);
  });
  return { policy, scope, exemptions, rules };
}
