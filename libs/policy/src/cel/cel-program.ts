import { type CelInput, CelScalar, type CelValue, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';
import { charge, CostLimitExceededError, metered, sizeCost } from './cel-cost';
import { CelCheckError, type CheckType, checkExpression, type Expr } from './cel-check';
import { iterationFunction, policyFunctions } from './cel-functions';

/** The variables every CEL rule's expressions see. */
export const celVariableNames = ['object', 'oldObject', 'params', 'namespaceObject', 'request', 'variables'] as const;
export type CelBindings = Record<(typeof celVariableNames)[number], CelInput>;

// Compiled patterns are kept: the same few patterns run against every object.
const patterns = new Map<string, { test(text: string): boolean }>();
const re2 = {
  compile(pattern: string) {
    let compiled = patterns.get(pattern);
    if (!compiled) {
      if (patterns.size >= 1_000) patterns.clear();
      compiled = RE2JS.compile(pattern);
      patterns.set(pattern, compiled);
    }
    const matcher = compiled;
    return {
      test(text: string) {
        charge(sizeCost(text.length));
        return matcher.test(text);
      },
    };
  },
};

const env = celEnv({ variables: Object.fromEntries(celVariableNames.map((name) => [name, CelScalar.DYN])), funcs: policyFunctions, re2 });

/** An expression that does not parse or check; `offset` is where, in the expression. */
export class CelCompileError extends Error {
  constructor(
    readonly kind: 'syntax' | 'type',
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
    this.name = 'CelCompileError';
  }
}

/** What evaluating an expression gave: a value, or why there is none. */
export type CelOutcome = { ok: true; value: CelValue } | { ok: false; code: 'CostLimitExceeded' | 'EvaluationFailed'; message: string; offset?: number };

/** A parsed, checked and planned expression. */
export interface CelProgram {
  readonly source: string;
  readonly type: CheckType;
  /** Evaluates under a budget of `costLimit` (or the budget of the evaluation that asks for it). */
  run(bindings: CelBindings, costLimit: number): CelOutcome;
}

/** Parses, type-checks (with `variables` declared) and plans `source`; throws a CelCompileError. */
export function compileCel(source: string, declared: ReadonlyMap<string, CheckType>): CelProgram {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    const location = (error as { location?: { start?: { offset?: number } } }).location;
    const reason = error instanceof RangeError ? 'expression is nested too deeply' : ((error as { rawMessage?: string }).rawMessage ?? String((error as Error).message ?? error));
    throw new CelCompileError('syntax', reason, location?.start?.offset ?? 0);
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  let checked: CheckType;
  try {
    checked = checkExpression(parsed.expr, positions, declared);
  } catch (error) {
    if (error instanceof CelCheckError) throw new CelCompileError('type', error.message, error.offset);
    if (error instanceof RangeError) throw new CelCompileError('syntax', 'expression is nested too deeply', 0);
    throw error;
  }
  meterIterations(parsed.expr);
  let evaluate: (bindings: CelBindings) => unknown;
  try {
    evaluate = plan(env, parsed.expr) as (bindings: CelBindings) => unknown;
  } catch (error) {
    throw new CelCompileError('syntax', error instanceof Error ? error.message : String(error), 0);
  }
  return {
    source,
    type: checked,
    run(bindings, costLimit) {
      let outcome: { value: unknown; exceeded: boolean };
      try {
        outcome = metered(costLimit, () => evaluate(bindings));
      } catch (error) {
        // The planner turns what it throws into errors; this is for what escapes it (a stack overflow…).
        if (error instanceof CostLimitExceededError) return { ok: false, code: 'CostLimitExceeded', message: error.message };
        return { ok: false, code: 'EvaluationFailed', message: error instanceof Error ? error.message : String(error) };
      }
      if (outcome.exceeded) return { ok: false, code: 'CostLimitExceeded', message: `cost limit of ${costLimit} exceeded` };
      const value = outcome.value;
      if (isCelError(value)) {
        const offset = value.exprId === undefined ? undefined : positions[String(value.exprId)];
        return { ok: false, code: 'EvaluationFailed', message: value.message, offset };
      }
      return { ok: true, value: value as CelValue };
    },
  };
}

/** Makes every comprehension pay for each iteration: its loop condition goes through the metering function. */
function meterIterations(root: Expr): void {
  let nextId = BigInt(Number.MAX_SAFE_INTEGER);
  const visit = (node: Expr | undefined): void => {
    if (node === undefined) return;
    const kind = node.exprKind;
    switch (kind.case) {
      case 'selectExpr':
        return visit(kind.value.operand);
      case 'callExpr':
        visit(kind.value.target);
        return kind.value.args.forEach(visit);
      case 'listExpr':
        return kind.value.elements.forEach(visit);
      case 'structExpr':
        return kind.value.entries.forEach((entry) => {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value);
          visit(entry.value);
        });
      case 'comprehensionExpr': {
        const comprehension = kind.value;
        [comprehension.iterRange, comprehension.accuInit, comprehension.loopCondition, comprehension.loopStep, comprehension.result].forEach(visit);
        const condition = comprehension.loopCondition;
        if (condition) {
          comprehension.loopCondition = {
            ...condition,
            id: nextId++,
            exprKind: { case: 'callExpr', value: { $typeName: 'cel.expr.Expr.Call', function: iterationFunction, args: [condition] } },
          } as Expr;
        }
        return;
      }
      default:
        return;
    }
  };
  visit(root);
}
