/*
 * The functions CEL rules may call beyond the standard ones, as Kubernetes offers them: quantities,
 * the lists extension, the strings extension (indices in code points, as cel-go counts them), and
 * the cost accounting of functions that build bigger values.
 */
import {
  type CelFunc,
  type CelList,
  type CelMap,
  CelScalar,
  type CelValue,
  celEnv,
  celFunc,
  celList,
  celMap,
  celMethod,
  isCelError,
  isCelList,
  isCelMap,
  listType,
  parse,
  plan,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { charge, sizeCost } from './cel-cost';
import { compareQuantities, parseQuantity, type Quantity, QuantityError, quantityAsFloat, quantityAsInteger, quantityOfUnits } from './quantity';

const { BOOL, DYN, INT, STRING, DOUBLE } = CelScalar;
const LIST_DYN = listType(DYN);
const LIST_STRING = listType(STRING);

/** The name of the function every comprehension iteration calls to pay its cost. */
export const iterationFunction = '@capstan.iteration';

// ----- quantities -----------------------------------------------------------------------------

/** The type name the checker gives quantities; at run time they are one-entry maps holding the nanos. */
export const quantityTypeName = 'kubernetes.Quantity';
const quantityKey = '@quantity';
const quantities = new WeakMap<object, Quantity>();

function quantityValue(quantity: Quantity): CelMap {
  // The entry makes CEL's map equality numeric equality: "1" and "1000m" hold the same nanos.
  const value = celMap(new Map([[quantityKey, quantity.nanos.toString()]]));
  quantities.set(value, quantity);
  return value;
}

function quantityOf(value: unknown, where: string): Quantity {
  const known = typeof value === 'object' && value !== null ? quantities.get(value) : undefined;
  if (known) return known;
  if (isCelMap(value) && value.size === 1) {
    const nanos = value.get(quantityKey);
    if (typeof nanos === 'string' && /^-?\d+$/.test(nanos)) return { nanos: BigInt(nanos) };
  }
  throw new Error(`${where}: expected a Quantity`);
}

function quantityOrInteger(value: unknown, where: string): Quantity {
  return typeof value === 'bigint' ? quantityOfUnits(value) : quantityOf(value, where);
}

function parsedQuantity(text: string): Quantity {
  try {
    return parseQuantity(text);
  } catch (error) {
    throw new Error(error instanceof QuantityError ? error.message : String(error));
  }
}

const quantityFunctions: CelFunc[] = [
  celFunc('quantity', [STRING], DYN, (text) => quantityValue(parsedQuantity(text))),
  celFunc('isQuantity', [STRING], BOOL, (text) => {
    try {
      parseQuantity(text);
      return true;
    } catch {
      return false;
    }
  }),
  celMethod('compareTo', DYN, [DYN], INT, function (other) {
    return BigInt(compareQuantities(quantityOf(this, 'compareTo'), quantityOf(other, 'compareTo')));
  }),
  celMethod('isGreaterThan', DYN, [DYN], BOOL, function (other) {
    return compareQuantities(quantityOf(this, 'isGreaterThan'), quantityOf(other, 'isGreaterThan')) > 0;
  }),
  celMethod('isLessThan', DYN, [DYN], BOOL, function (other) {
    return compareQuantities(quantityOf(this, 'isLessThan'), quantityOf(other, 'isLessThan')) < 0;
  }),
  celMethod('add', DYN, [DYN], DYN, function (other) {
    return quantityValue({ nanos: quantityOf(this, 'add').nanos + quantityOrInteger(other, 'add').nanos });
  }),
  celMethod('sub', DYN, [DYN], DYN, function (other) {
    return quantityValue({ nanos: quantityOf(this, 'sub').nanos - quantityOrInteger(other, 'sub').nanos });
  }),
  celMethod('asInteger', DYN, [], INT, function () {
    const integer = quantityAsInteger(quantityOf(this, 'asInteger'));
    if (integer === undefined) throw new Error('asInteger: the quantity is not an integer or does not fit an int');
    return integer;
  }),
  celMethod('isInteger', DYN, [], BOOL, function () {
    return quantityAsInteger(quantityOf(this, 'isInteger')) !== undefined;
  }),
  celMethod('asApproximateFloat', DYN, [], DOUBLE, function () {
    return quantityAsFloat(quantityOf(this, 'asApproximateFloat'));
  }),
  celMethod('sign', DYN, [], INT, function () {
    return BigInt(compareQuantities(quantityOf(this, 'sign'), { nanos: 0n }));
  }),
];

// ----- lists extension ------------------------------------------------------------------------

// CEL's own equality and ordering (cross-type numbers, timestamps…), planned once.
const comparisonEnv = celEnv({ variables: { a: DYN, b: DYN } });
const equalProgram = plan(comparisonEnv, parse('a == b'));
const lessProgram = plan(comparisonEnv, parse('a < b'));
const addProgram = plan(comparisonEnv, parse('a + b'));

function celResult(result: unknown): CelValue {
  if (isCelError(result)) throw result;
  return result as CelValue;
}
const equal = (a: CelValue, b: CelValue) => celResult(equalProgram({ a, b })) === true;
const less = (a: CelValue, b: CelValue) => celResult(lessProgram({ a, b })) === true;

function elementsOf(list: CelList): CelValue[] {
  charge(list.size);
  return [...list];
}

function extreme(list: CelList, name: string, better: (a: CelValue, b: CelValue) => boolean): CelValue {
  const elements = elementsOf(list);
  if (elements.length === 0) throw new Error(`${name}() called on an empty list`);
  return elements.reduce((best, element) => (better(element, best) ? element : best));
}

const listFunctions: CelFunc[] = [
  celMethod('isSorted', LIST_DYN, [], BOOL, function () {
    const elements = elementsOf(this);
    return elements.every((element, index) => index === 0 || !less(element, elements[index - 1]));
  }),
  celMethod('sum', LIST_DYN, [], DYN, function () {
    const elements = elementsOf(this);
    return elements.length === 0 ? 0n : elements.reduce((total, element) => celResult(addProgram({ a: total, b: element })));
  }),
  celMethod('min', LIST_DYN, [], DYN, function () {
    return extreme(this, 'min', less);
  }),
  celMethod('max', LIST_DYN, [], DYN, function () {
    return extreme(this, 'max', (a, b) => less(b, a));
  }),
  celMethod('indexOf', LIST_DYN, [DYN], INT, function (value) {
    return BigInt(elementsOf(this).findIndex((element) => equal(element, value)));
  }),
  celMethod('lastIndexOf', LIST_DYN, [DYN], INT, function (value) {
    const elements = elementsOf(this);
    for (let i = elements.length - 1; i >= 0; i--) if (equal(elements[i], value)) return BigInt(i);
    return -1n;
  }),
];

// ----- strings: indices in code points ----------------------------------------------------------

const surrogates = /[\uD800-\uDFFF]/;
const codePoints = (text: string): string[] => (surrogates.test(text) ? Array.from(text) : text.split(''));

function checkIndex(index: number, length: number, name: string): void {
  if (index < 0 || index > length) throw new Error(`${name}: index out of range: ${index}`);
}

function indexOf(this: string, search: string, offset?: bigint): bigint {
  const text = codePoints(this);
  const start = offset === undefined ? 0 : Number(offset);
  checkIndex(start, text.length, 'indexOf');
  const wanted = codePoints(search);
  for (let i = start; i + wanted.length <= text.length; i++) if (wanted.every((char, j) => text[i + j] === char)) return BigInt(i);
  return -1n;
}

function lastIndexOf(this: string, search: string, offset?: bigint): bigint {
  const text = codePoints(this);
  const wanted = codePoints(search);
  const start = offset === undefined ? text.length : Number(offset);
  checkIndex(start, text.length, 'lastIndexOf');
  for (let i = Math.min(start, text.length - wanted.length); i >= 0; i--) if (wanted.every((char, j) => text[i + j] === char)) return BigInt(i);
  return -1n;
}

function substring(this: string, start: bigint, end?: bigint): string {
  const text = codePoints(this);
  const from = Number(start);
  const to = end === undefined ? text.length : Number(end);
  checkIndex(from, text.length, 'substring');
  checkIndex(to, text.length, 'substring');
  if (from > to) throw new Error(`substring: start ${from} is after end ${to}`);
  return text.slice(from, to).join('');
}

function charAt(this: string, index: bigint): string {
  const text = codePoints(this);
  checkIndex(Number(index), text.length, 'charAt');
  return text[Number(index)] ?? '';
}

/** Go's strings.SplitN: a negative limit splits everywhere, 0 gives nothing, the last part keeps the rest. */
function split(this: string, separator: string, limit?: bigint): CelList {
  const count = limit === undefined ? -1 : Number(limit);
  if (count === 0) return celList([]);
  const parts = separator === '' ? codePoints(this) : this.split(separator);
  const kept = count > 0 && parts.length > count ? [...parts.slice(0, count - 1), parts.slice(count - 1).join(separator)] : parts;
  charge(sizeCost(this.length));
  return celList(kept);
}

const stringFunctions: CelFunc[] = [
  celMethod('indexOf', STRING, [STRING], INT, indexOf),
  celMethod('indexOf', STRING, [STRING, INT], INT, indexOf),
  celMethod('lastIndexOf', STRING, [STRING], INT, lastIndexOf),
  celMethod('lastIndexOf', STRING, [STRING, INT], INT, lastIndexOf),
  celMethod('substring', STRING, [INT], STRING, substring),
  celMethod('substring', STRING, [INT, INT], STRING, substring),
  celMethod('charAt', STRING, [INT], STRING, charAt),
  celMethod('split', STRING, [STRING], LIST_STRING, split),
  celMethod('split', STRING, [STRING, INT], LIST_STRING, split),
];

// ----- cost of functions that build values ------------------------------------------------------

function sizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value instanceof Uint8Array) return value.length;
  if (isCelList(value)) return value.size;
  return 0;
}

/**
 * `func` again, charging what it builds: for a concatenation the part added (the left part was
 * paid for when it was built, and map's and filter's accumulators grow one element a step), for
 * the others the whole result.
 */
function charged(func: CelFunc): CelFunc {
  const concatenation = func.name === '_+_';
  const impl = function (this: CelValue | undefined, ...args: CelValue[]) {
    const result = func.call(0, this, args);
    if (result === undefined) throw new Error(`found no matching overload for '${func.name}'`);
    if (isCelError(result)) throw result;
    charge(sizeCost(sizeOf(concatenation ? args[1] : result)));
    return result;
  };
  return func.target === undefined ? celFunc(func.name, func.arguments, func.result, impl) : celMethod(func.name, func.target, func.arguments, func.result, impl);
}

const buildsValues = (func: CelFunc) =>
  (func.name === '_+_' && ['string', 'bytes', 'list'].includes(func.result.name)) || ['replace', 'join', 'format'].includes(func.name);
const standardFuncs = [...celEnv({ funcs: strings }).funcs];

/** Every function a CEL rule's environment adds to (or puts in place of) the standard ones. */
export const policyFunctions: CelFunc[] = [
  ...strings,
  ...stringFunctions,
  ...standardFuncs.filter(buildsValues).map(charged),
  ...quantityFunctions,
  ...listFunctions,
  celFunc(iterationFunction, [DYN], DYN, (condition) => {
    charge(1);
    return condition;
  }),
];
