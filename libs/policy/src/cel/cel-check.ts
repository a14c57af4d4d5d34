/*
 * A type checker for parsed CEL, since @bufbuild/cel evaluates but does not check. It resolves
 * identifiers, fields of `variables`, functions and their overloads (the standard declarations
 * come from the evaluator's own function table, so both agree) and reports the first error with
 * the offset of the expression at fault, as cel-go's checker would reject the expression.
 * `object`, `params` and the like are `dyn`: what they hold is only known at evaluation.
 */
import { type CelEnv, type CelType, celEnv, type parse } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { quantityTypeName } from './cel-functions';

export type Expr = ReturnType<typeof parse>['expr'];

/** A checked type: a name (`int`, `list`, `map`, `google.protobuf.Timestamp`…) and its parameters. */
export interface CheckType {
  name: string;
  element?: CheckType;
  key?: CheckType;
  value?: CheckType;
  /** For `variables`: the fields known by name. */
  fields?: ReadonlyMap<string, CheckType>;
}

const type = (name: string): CheckType => ({ name });
export const dynType = type('dyn');
const boolType = type('bool');
const intType = type('int');
const uintType = type('uint');
const doubleType = type('double');
const stringType = type('string');
const typeType = type('type');
const quantityType = type(quantityTypeName);
const listOf = (element: CheckType): CheckType => ({ name: 'list', element });
const mapOf = (key: CheckType, value: CheckType): CheckType => ({ name: 'map', key, value });

/** `variables` with its fields. */
export function variablesType(fields: ReadonlyMap<string, CheckType>): CheckType {
  return { name: 'variables', fields };
}

/** How errors and messages write a type: `list(int)`, `map(string, dyn)`. */
export function formatType(checked: CheckType): string {
  if (checked.name === 'list') return `list(${formatType(checked.element ?? dynType)})`;
  if (checked.name === 'map') return `map(${formatType(checked.key ?? dynType)}, ${formatType(checked.value ?? dynType)})`;
  return checked.name;
}

function fromCelType(celType: CelType): CheckType {
  switch (celType.kind) {
    case 'list':
      return listOf(fromCelType(celType.element));
    case 'map':
      return mapOf(fromCelType(celType.key), fromCelType(celType.value));
    default:
      return type(celType.name);
  }
}

interface Overload {
  receiver?: CheckType;
  args: CheckType[];
  result: CheckType | ((receiver: CheckType | undefined, args: CheckType[]) => CheckType);
}

const elementOfReceiver = (receiver: CheckType | undefined) => receiver?.element ?? dynType;
const listDyn = listOf(dynType);

/** Declarations of the functions whose run-time versions take `dyn` (quantities, lists extension). */
const extensionOverloads: Record<string, Overload[]> = {
  quantity: [{ args: [stringType], result: quantityType }],
  isQuantity: [{ args: [stringType], result: boolType }],
  compareTo: [{ receiver: quantityType, args: [quantityType], result: intType }],
  isGreaterThan: [{ receiver: quantityType, args: [quantityType], result: boolType }],
  isLessThan: [{ receiver: quantityType, args: [quantityType], result: boolType }],
  add: [
    { receiver: quantityType, args: [quantityType], result: quantityType },
    { receiver: quantityType, args: [intType], result: quantityType },
  ],
  sub: [
    { receiver: quantityType, args: [quantityType], result: quantityType },
    { receiver: quantityType, args: [intType], result: quantityType },
  ],
  asInteger: [{ receiver: quantityType, args: [], result: intType }],
  isInteger: [{ receiver: quantityType, args: [], result: boolType }],
  asApproximateFloat: [{ receiver: quantityType, args: [], result: doubleType }],
  sign: [{ receiver: quantityType, args: [], result: intType }],
  isSorted: [{ receiver: listDyn, args: [], result: boolType }],
  sum: [{ receiver: listDyn, args: [], result: elementOfReceiver }],
  min: [{ receiver: listDyn, args: [], result: elementOfReceiver }],
  max: [{ receiver: listDyn, args: [], result: elementOfReceiver }],
  indexOf: [{ receiver: listDyn, args: [dynType], result: intType }],
  lastIndexOf: [{ receiver: listDyn, args: [dynType], result: intType }],
};

function declarationsOf(env: CelEnv): Map<string, Overload[]> {
  const declarations = new Map<string, Overload[]>();
  const add = (name: string, overload: Overload) => declarations.set(name, [...(declarations.get(name) ?? []), overload]);
  for (const func of env.funcs) {
    add(func.name, { receiver: func.target === undefined ? undefined : fromCelType(func.target), args: func.arguments.map(fromCelType), result: fromCelType(func.result) });
  }
  for (const [name, overloads] of Object.entries(extensionOverloads)) for (const overload of overloads) add(name, overload);
  // Concatenating two lists of one element type keeps it.
  const concat = declarations.get('_+_')?.find((overload) => overload.args[0].name === 'list');
  if (concat) concat.result = (_, [left, right]) => (left.element && right.element && sameType(left.element, right.element) ? left : listDyn);
  return declarations;
}

const declarations = declarationsOf(celEnv({ funcs: strings }));

/** Type names that are values of type `type` (`type(x) == int`). */
const typeNames = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'google.protobuf.Timestamp', 'google.protobuf.Duration']);

/** A check error: the message and the offset in the expression. */
export class CelCheckError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'CelCheckError';
  }
}

function sameType(a: CheckType, b: CheckType): boolean {
  return formatType(a) === formatType(b);
}

/** Whether a value of type `actual` may be passed where `expected` is declared. */
function assignable(actual: CheckType, expected: CheckType): boolean {
  if (actual.name === 'dyn' || expected.name === 'dyn') return true;
  if (actual.name !== expected.name) return false;
  if (actual.name === 'list') return assignable(actual.element ?? dynType, expected.element ?? dynType);
  if (actual.name === 'map') return assignable(actual.key ?? dynType, expected.key ?? dynType) && assignable(actual.value ?? dynType, expected.value ?? dynType);
  return true;
}

/** The type of either of two branches: theirs if they agree, else `dyn`. */
function join(a: CheckType, b: CheckType): CheckType {
  return sameType(a, b) ? a : dynType;
}

const concrete = (checked: CheckType) => checked.name !== 'dyn' && checked.name !== 'null_type';

/**
 * Checks `expr` with `variables` declared (name → type) and returns its type, or throws a
 * CelCheckError at the offending offset.
 */
export function checkExpression(expr: Expr, positions: Readonly<Record<string, number>>, variables: ReadonlyMap<string, CheckType>): CheckType {
  const offsetOf = (node: Expr) => positions[String(node.id)] ?? 0;
  const fail = (node: Expr, message: string): never => {
    throw new CelCheckError(message, offsetOf(node));
  };
  const noOverload = (node: Expr, name: string, types: CheckType[]): never =>
    fail(node, `found no matching overload for '${name}' applied to '(${types.map(formatType).join(', ')})'`);

  const check = (node: Expr | undefined, scope: ReadonlyMap<string, CheckType>): CheckType => {
    if (node === undefined) return dynType;
    const kind = node.exprKind;
    switch (kind.case) {
      case 'constExpr':
        switch (kind.value.constantKind.case) {
          case 'boolValue':
            return boolType;
          case 'int64Value':
            return intType;
          case 'uint64Value':
            return uintType;
          case 'doubleValue':
            return doubleType;
          case 'stringValue':
            return stringType;
          case 'bytesValue':
            return type('bytes');
          case 'nullValue':
            return type('null_type');
          default:
            return dynType;
        }
      case 'identExpr': {
        const name = kind.value.name;
        const known = scope.get(name) ?? variables.get(name);
        if (known) return known;
        if (typeNames.has(name)) return typeType;
        return fail(node, `undeclared reference to '${name}'`);
      }
      case 'selectExpr': {
        const qualified = qualifiedName(node);
        if (qualified !== undefined && typeNames.has(qualified) && !scope.has(qualified.split('.')[0]) && !variables.has(qualified.split('.')[0])) return typeType;
        const operand = check(kind.value.operand, scope);
        const field = kind.value.field;
        const fieldType = selectField(node, operand, field);
        return kind.value.testOnly ? boolType : fieldType;
      }
      case 'callExpr':
        return checkCall(node, kind.value, scope);
      case 'listExpr': {
        if (kind.value.optionalIndices.length > 0) fail(node, 'optional list elements are not supported');
        const elements = kind.value.elements.map((element) => check(element, scope));
        return listOf(elements.length === 0 ? dynType : elements.reduce(join));
      }
      case 'structExpr': {
        if (kind.value.messageName !== '') fail(node, `creating messages (${kind.value.messageName}) is not supported`);
        let keyType: CheckType | undefined;
        let valueType: CheckType | undefined;
        for (const entry of kind.value.entries) {
          if (entry.optionalEntry) fail(node, 'optional map entries are not supported');
          const key = check(entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined, scope);
          if (!['dyn', 'string', 'int', 'uint', 'bool'].includes(key.name)) fail(entry.keyKind.case === 'mapKey' ? entry.keyKind.value : node, `a map key cannot be of type '${formatType(key)}'`);
          const value = check(entry.value, scope);
          keyType = keyType === undefined ? key : join(keyType, key);
          valueType = valueType === undefined ? value : join(valueType, value);
        }
        return mapOf(keyType ?? dynType, valueType ?? dynType);
      }
      case 'comprehensionExpr': {
        const comprehension = kind.value;
        const range = check(comprehension.iterRange, scope);
        let first: CheckType;
        let second: CheckType | undefined;
        if (range.name === 'list') [first, second] = comprehension.iterVar2 ? [intType, range.element ?? dynType] : [range.element ?? dynType, undefined];
        else if (range.name === 'map') [first, second] = [range.key ?? dynType, range.value ?? dynType];
        else if (range.name === 'dyn') [first, second] = [dynType, dynType];
        else return fail(comprehension.iterRange ?? node, `expression of type '${formatType(range)}' cannot be the range of a comprehension (it must be a list or a map)`);
        const accumulatorInit = check(comprehension.accuInit, scope);
        // Accumulators that start as literals (map's and filter's []) take whatever the step adds.
        const accumulator = accumulatorInit.name === 'list' || accumulatorInit.name === 'map' ? dynType : accumulatorInit;
        const loopScope = new Map(scope);
        loopScope.set(comprehension.accuVar, accumulator);
        loopScope.set(comprehension.iterVar, first);
        if (comprehension.iterVar2) loopScope.set(comprehension.iterVar2, second ?? dynType);
        check(comprehension.loopCondition, loopScope);
        const step = check(comprehension.loopStep, loopScope);
        const resultScope = new Map(scope);
        resultScope.set(comprehension.accuVar, accumulatorInit.name === 'list' ? step : accumulator);
        return check(comprehension.result, resultScope);
      }
      default:
        return fail(node, 'unsupported expression');
    }
  };

  const selectField = (node: Expr, operand: CheckType, field: string): CheckType => {
    switch (operand.name) {
      case 'dyn':
        return dynType;
      case 'map':
        if (!assignable(stringType, operand.key ?? dynType)) fail(node, `type '${formatType(operand)}' has no string keys to select '${field}'`);
        return operand.value ?? dynType;
      case 'variables':
        return operand.fields?.get(field) ?? fail(node, `undeclared reference to 'variables.${field}' (variables are declared in order: a variable may use only earlier ones)`);
      default:
        return fail(node, `type '${formatType(operand)}' does not support field selection`);
    }
  };

  const checkCall = (node: Expr, call: Extract<Expr['exprKind'], { case: 'callExpr' }>['value'], scope: ReadonlyMap<string, CheckType>): CheckType => {
    const name = call.function;
    const argument = (index: number) => check(call.args[index], scope);
    switch (name) {
      case '_&&_':
      case '_||_': {
        const operands = call.args.map((arg) => check(arg, scope));
        if (!operands.every((operand) => assignable(operand, boolType))) noOverload(node, name, operands);
        return boolType;
      }
      case '@not_strictly_false':
      case '__not_strictly_false__':
        argument(0);
        return boolType;
      case '_?_:_': {
        const condition = argument(0);
        if (!assignable(condition, boolType)) fail(call.args[0], `a condition must be a bool, not '${formatType(condition)}'`);
        return join(argument(1), argument(2));
      }
      case '_==_':
      case '_!=_': {
        const [left, right] = [argument(0), argument(1)];
        if (concrete(left) && concrete(right) && left.name !== right.name) noOverload(node, name, [left, right]);
        return boolType;
      }
      case '@in': {
        const [value, container] = [argument(0), argument(1)];
        const member = container.name === 'list' ? container.element : container.name === 'map' ? container.key : container.name === 'dyn' ? dynType : undefined;
        if (member === undefined || (concrete(value) && concrete(member) && value.name !== member.name)) noOverload(node, name, [value, container]);
        return boolType;
      }
      case '_[_]': {
        const [container, index] = [argument(0), argument(1)];
        if (container.name === 'dyn') return dynType;
        if (container.name === 'list' && (index.name === 'int' || index.name === 'uint' || index.name === 'dyn')) return container.element ?? dynType;
        if (container.name === 'map' && assignable(index, container.key ?? dynType)) return container.value ?? dynType;
        return noOverload(node, name, [container, index]);
      }
      case '_[?_]':
      case '_?._':
        return fail(node, 'optional field selection is not supported');
    }
    // A namespaced function (`strings.quote(s)`) is written as a call on its namespace.
    const namespace = call.target === undefined ? undefined : qualifiedName(call.target);
    const root = namespace?.split('.')[0];
    if (namespace !== undefined && root !== undefined && !scope.has(root) && !variables.has(root) && declarations.has(`${namespace}.${name}`)) {
      return resolve(node, `${namespace}.${name}`, undefined, call.args.map((arg) => check(arg, scope)));
    }
    const receiver = call.target === undefined ? undefined : check(call.target, scope);
    return resolve(node, name, receiver, call.args.map((arg) => check(arg, scope)));
  };

  const resolve = (node: Expr, name: string, receiver: CheckType | undefined, args: CheckType[]): CheckType => {
    const overloads = (declarations.get(name) ?? []).filter((overload) => (overload.receiver === undefined) === (receiver === undefined));
    if (overloads.length === 0) return fail(node, receiver === undefined ? `undeclared reference to function '${name}'` : `undeclared reference to method '${name}'`);
    const matching = overloads.filter(
      (overload) => overload.args.length === args.length && (receiver === undefined || assignable(receiver, overload.receiver ?? dynType)) && overload.args.every((expected, i) => assignable(args[i], expected)),
    );
    if (matching.length === 0) return noOverload(node, receiver === undefined ? name : `${formatType(receiver)}.${name}`, args);
    const results = matching.map((overload) => (typeof overload.result === 'function' ? overload.result(receiver, args) : overload.result));
    return results.reduce(join);
  };

  return check(expr, new Map());
}

/** `a.b.c` for a chain of identifiers and selections, else undefined. */
function qualifiedName(node: Expr): string | undefined {
  if (node.exprKind.case === 'identExpr') return node.exprKind.value.name;
  if (node.exprKind.case === 'selectExpr' && !node.exprKind.value.testOnly && node.exprKind.value.operand) {
    const operand = qualifiedName(node.exprKind.value.operand);
    return operand === undefined ? undefined : `${operand}.${node.exprKind.value.field}`;
  }
  return undefined;
}
