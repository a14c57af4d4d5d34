import type { CelInput } from '@bufbuild/cel';
import { LabelSelectorError, type LabelSelector as ParsedSelector, labelSelectorFromObject, matchesLabelSelector } from '@capstan/manifest';
import { groupOf, isNamespaceObject, labelsOf } from '../objects';
import { type ExpressionPosition, PolicyError, positionIn } from '../policy-error';
import type { CelRule, EvaluationErrorCode, GroupKind, KubeObject, LabelSelector } from '../types';
import { CostLimitExceededError } from './cel-cost';
import { type CheckType, dynType, formatType, variablesType } from './cel-check';
import { type CelBindings, CelCompileError, type CelProgram, compileCel } from './cel-program';
import { celValueOf } from './cel-values';

/** What a CEL rule reads of the objects around the one it judges; shared by the rules of an evaluation. */
export interface CelObjects {
  /** The object as CEL sees it (converted once). */
  value(object: KubeObject): CelInput;
  /** The Namespace object of a namespaced object (known or made up from its name), null otherwise. */
  namespaceObject(object: KubeObject): KubeObject | null;
  /** The minimal admission `request` for the object. */
  request(object: KubeObject): CelInput;
}

/** A CEL rule's result for one object. */
export type CelRuleOutcome =
  | { kind: 'violation'; fieldPath: string; message: string; reason: string }
  | { kind: 'error'; code: EvaluationErrorCode; field: string; message: string };

export interface CompiledCelRule {
  readonly rule: CelRule;
  evaluate(object: KubeObject, objects: CelObjects): CelRuleOutcome[];
}

/** The operations a manifest being applied stands for. */
const appliedOperations = ['CREATE', 'UPDATE', '*'];
const operations = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'];
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The kinds a CEL rule's resource rules match (`'*'` for any); every kind without resource rules. */
export function celRuleKinds(rule: CelRule): GroupKind[] {
  const resourceRules = rule.matchConstraints?.resourceRules;
  if (resourceRules === undefined) return [{ group: '*', kind: '*' }];
  return resourceRules
    .filter((resourceRule) => resourceRule.operations === undefined || resourceRule.operations.some((operation) => appliedOperations.includes(operation)))
    .flatMap((resourceRule) => resourceRule.apiGroups.flatMap((group) => resourceRule.kinds.map((kind) => ({ group, kind }))));
}

interface NamedProgram {
  name: string;
  program: CelProgram;
}

/** Variables evaluated when first asked for, at most once per object. */
class LazyVariables extends Map<string, CelInput> {
  private readonly computed = new Map<string, CelInput>();

  constructor(
    private readonly programs: ReadonlyMap<string, CelProgram>,
    private readonly bindings: () => CelBindings,
    private readonly costLimit: number,
  ) {
    super();
  }

  override get(name: string): CelInput | undefined {
    if (this.computed.has(name)) return this.computed.get(name);
    const program = this.programs.get(name);
    if (!program) return undefined;
    const outcome = program.run(this.bindings(), this.costLimit);
    if (!outcome.ok) {
      if (outcome.code === 'CostLimitExceeded') throw new CostLimitExceededError(this.costLimit);
      throw new Error(`variables.${name}: ${outcome.message}`);
    }
    this.computed.set(name, outcome.value as CelInput);
    return outcome.value as CelInput;
  }

  override has(name: string): boolean {
    return this.programs.has(name);
  }

  override get size(): number {
    return this.programs.size;
  }

  override keys(): MapIterator<string> {
    return this.programs.keys();
  }

  override *entries(): MapIterator<[string, CelInput]> {
    for (const name of this.programs.keys()) yield [name, this.get(name) as CelInput];
  }

  override [Symbol.iterator](): MapIterator<[string, CelInput]> {
    return this.entries();
  }
}

/** Compiles a CEL rule: every expression parsed and type-checked, selectors validated. Throws a PolicyError naming the field. */
export function compileCelRule(rule: CelRule, policy: string, index: number, costLimit: number): CompiledCelRule {
  const base = `rules[${index}]`;
  const ruleName = typeof rule.name === 'string' && rule.name !== '' ? rule.name : `#${index}`;
  const fail = (field: string, reason: string, code: 'InvalidPolicy' | 'InvalidSelector' = 'InvalidPolicy'): never => {
    throw new PolicyError(code, policy, `${base}${field}`, reason, ruleName);
  };
  if (typeof rule.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(rule.name)) fail('.name', 'required: lowercase letters, digits, "-" and "." (a Kubernetes object name)');

  const compile = (source: unknown, field: string, declared: ReadonlyMap<string, CheckType>, expected?: 'bool' | 'string'): CelProgram => {
    if (typeof source !== 'string' || source.trim() === '') return fail(field, 'required: a CEL expression');
    try {
      const program = compileCel(source, declared);
      if (expected && program.type.name !== expected && program.type.name !== 'dyn') fail(field, `must evaluate to a ${expected}, not ${formatType(program.type)}`);
      return program;
    } catch (error) {
      if (error instanceof CelCompileError) {
        const position: ExpressionPosition = positionIn(source, skipSpaces(source, error.offset));
        throw new PolicyError(error.kind === 'syntax' ? 'CelSyntax' : 'CelType', policy, `${base}${field}`, error.reason, ruleName, position);
      }
      throw error;
    }
  };

  if (rule.matchConstraints !== undefined && (typeof rule.matchConstraints !== 'object' || rule.matchConstraints === null)) fail('.matchConstraints', 'must be an object');
  const constraints = rule.matchConstraints ?? {};
  const resourceRules = constraints.resourceRules;
  if (resourceRules !== undefined && !Array.isArray(resourceRules)) fail('.matchConstraints.resourceRules', 'must be a list');
  (resourceRules ?? []).forEach((resourceRule, i) => {
    const field = `.matchConstraints.resourceRules[${i}]`;
    for (const key of ['apiGroups', 'kinds'] as const) {
      if (!Array.isArray(resourceRule?.[key]) || !resourceRule[key].every((item) => typeof item === 'string') || resourceRule[key].length === 0) fail(`${field}.${key}`, 'must be a non-empty list of strings ("*" for any)');
    }
    for (const operation of resourceRule.operations ?? []) if (!operations.includes(operation)) fail(`${field}.operations`, `"${operation}" is not one of ${operations.join(', ')}`);
  });
  const selector = (value: LabelSelector | undefined, field: string): ParsedSelector | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null) return fail(field, 'must be a label selector (matchLabels, matchExpressions)', 'InvalidSelector');
    try {
      return labelSelectorFromObject(value);
    } catch (error) {
      if (error instanceof LabelSelectorError) return fail(field, error.reason, 'InvalidSelector');
      throw error;
    }
  };
  const namespaceSelector = selector(constraints.namespaceSelector, '.matchConstraints.namespaceSelector');
  const objectSelector = selector(constraints.objectSelector, '.matchConstraints.objectSelector');

  if (rule.failurePolicy !== undefined && rule.failurePolicy !== 'Fail' && rule.failurePolicy !== 'Ignore') fail('.failurePolicy', 'must be Fail or Ignore');
  let params: CelInput = null;
  try {
    params = rule.params === undefined ? null : celValueOf(JSON.parse(JSON.stringify(rule.params)));
  } catch {
    fail('.params', 'must be JSON');
  }

  // Each variable sees the ones before it.
  const declaredVariables = new Map<string, CheckType>();
  const declared = () => new Map<string, CheckType>([...['object', 'oldObject', 'params', 'namespaceObject', 'request'].map((name): [string, CheckType] => [name, dynType]), ['variables', variablesType(new Map(declaredVariables))]]);
  const variables: NamedProgram[] = [];
  if (rule.variables !== undefined && !Array.isArray(rule.variables)) fail('.variables', 'must be a list');
  if (rule.matchConditions !== undefined && !Array.isArray(rule.matchConditions)) fail('.matchConditions', 'must be a list');
  (rule.variables ?? []).forEach((variable, i) => {
    const field = `.variables[${i}]`;
    if (typeof variable?.name !== 'string' || !identifier.test(variable.name)) fail(`${field}.name`, 'must be an identifier (letters, digits, _)');
    if (declaredVariables.has(variable.name)) fail(`${field}.name`, `variable "${variable.name}" is declared twice`);
    const program = compile(variable.expression, `${field}.expression`, declared());
    declaredVariables.set(variable.name, program.type);
    variables.push({ name: variable.name, program });
  });
  const scope = declared();
  const matchConditions = (rule.matchConditions ?? []).map((condition, i) => {
    if (typeof condition?.name !== 'string' || condition.name === '') fail(`.matchConditions[${i}].name`, 'required');
    return { name: condition.name, program: compile(condition.expression, `.matchConditions[${i}].expression`, scope, 'bool') };
  });
  if (!Array.isArray(rule.validations) || rule.validations.length === 0) fail('.validations', 'required: at least one validation');
  const validations = rule.validations.map((validation, i) => {
    const field = `.validations[${i}]`;
    if (typeof validation !== 'object' || validation === null) fail(field, 'must be an object with an expression');
    for (const key of ['message', 'reason', 'fieldPath'] as const) if (validation[key] !== undefined && typeof validation[key] !== 'string') fail(`${field}.${key}`, 'must be a string');
    if (typeof validation.message === 'string' && /[\r\n]/.test(validation.message)) fail(`${field}.message`, 'must be one line');
    return {
      index: i,
      validation,
      program: compile(validation.expression, `${field}.expression`, scope, 'bool'),
      messageProgram: validation.messageExpression === undefined ? undefined : compile(validation.messageExpression, `${field}.messageExpression`, scope, 'string'),
    };
  });
  const programs = new Map(variables.map(({ name, program }) => [name, program]));
  const ignoreErrors = rule.failurePolicy === 'Ignore';

  const selected = (object: KubeObject, objects: CelObjects): boolean => {
    const group = groupOf(object);
    if (
      resourceRules !== undefined &&
      !resourceRules.some(
        (resourceRule) =>
          (resourceRule.apiGroups.includes('*') || resourceRule.apiGroups.includes(group)) &&
          (resourceRule.kinds.includes('*') || resourceRule.kinds.includes(String(object.kind))) &&
          (resourceRule.operations === undefined || resourceRule.operations.some((operation) => appliedOperations.includes(operation))),
      )
    ) {
      return false;
    }
    if (objectSelector && !matchesLabelSelector(objectSelector, labelsOf(object))) return false;
    if (namespaceSelector) {
      // As Kubernetes does: a Namespace is matched on its own labels, other cluster-scoped objects always match.
      const namespace = isNamespaceObject(object) ? object : objects.namespaceObject(object);
      if (namespace && !matchesLabelSelector(namespaceSelector, namespaceLabels(namespace))) return false;
    }
    return true;
  };

  return {
    rule,
    evaluate(object, objects) {
      if (!selected(object, objects)) return [];
      const namespace = objects.namespaceObject(object);
      const bindings: CelBindings = {
        object: objects.value(object),
        oldObject: null,
        params,
        namespaceObject: namespace === null ? null : objects.value(namespace),
        request: objects.request(object),
        variables: null,
      };
      bindings.variables = new LazyVariables(programs, () => bindings, costLimit);
      const error = (code: EvaluationErrorCode, field: string, message: string): CelRuleOutcome[] => (ignoreErrors ? [] : [{ kind: 'error', code, field, message }]);
      for (const [i, condition] of matchConditions.entries()) {
        const outcome = condition.program.run(bindings, costLimit);
        if (!outcome.ok) return error(outcome.code, `matchConditions[${i}].expression`, describeFailure(condition.program.source, outcome));
        if (outcome.value !== true) {
          if (outcome.value === false) return [];
          return error('EvaluationFailed', `matchConditions[${i}].expression`, `expected a bool, got ${typeof outcome.value}`);
        }
      }
      const outcomes: CelRuleOutcome[] = [];
      for (const { index: i, validation, program, messageProgram } of validations) {
        const outcome = program.run(bindings, costLimit);
        const field = `validations[${i}].expression`;
        if (!outcome.ok) {
          outcomes.push(...error(outcome.code, field, describeFailure(program.source, outcome)));
          continue;
        }
        if (outcome.value === true) continue;
        if (outcome.value !== false) {
          outcomes.push(...error('EvaluationFailed', field, `expected a bool, got ${typeof outcome.value}`));
          continue;
        }
        outcomes.push({ kind: 'violation', fieldPath: validation.fieldPath ?? '', message: messageOf(validation.message, messageProgram, bindings, costLimit, validation.expression), reason: validation.reason ?? 'Invalid' });
      }
      return outcomes;
    },
  };
}

/** A failing validation's message: the message expression's (when it gives one line), else `message`, else Kubernetes' default. */
function messageOf(message: string | undefined, program: CelProgram | undefined, bindings: CelBindings, costLimit: number, expression: string): string {
  if (program) {
    const outcome = program.run(bindings, costLimit);
    if (outcome.ok && typeof outcome.value === 'string' && outcome.value.trim() !== '' && !/[\r\n]/.test(outcome.value)) return outcome.value;
  }
  return message ?? `failed expression: ${expression}`;
}

function describeFailure(source: string, outcome: { message: string; offset?: number }): string {
  if (outcome.offset === undefined) return outcome.message;
  const position = positionIn(source, skipSpaces(source, outcome.offset));
  return `${outcome.message} (at ${position.line}:${position.column})`;
}

// The parser puts an operator at the space before it.
function skipSpaces(source: string, offset: number): number {
  let at = offset;
  while (at < source.length && /\s/.test(source[at])) at++;
  return at < source.length ? at : offset;
}

/** A namespace's labels, with the name label Kubernetes sets on every namespace. */
export function namespaceLabels(namespace: KubeObject): Record<string, string> {
  const name = namespace.metadata?.name;
  return typeof name === 'string' ? { ...labelsOf(namespace), 'kubernetes.io/metadata.name': name } : labelsOf(namespace);
}
