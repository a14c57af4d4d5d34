/** A Kubernetes resource quantity as an exact fraction, so `500m` equals `0.5` and `1Gi` equals `1024Mi`. */
export interface Quantity {
  numerator: bigint;
  denominator: bigint;
}

const binarySuffixes: Record<string, bigint> = { Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n, Pi: 2n ** 50n, Ei: 2n ** 60n };
const decimalExponents: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const quantityPattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

/** Parses the quantity grammar of apimachinery (`resource.Quantity`); null when `value` is not one. */
export function parseQuantity(value: string | number): Quantity | null {
  const match = quantityPattern.exec(String(value).trim());
  if (!match) return null;
  const [, sign, digits, suffix = '', exponentText] = match;
  const [whole, fraction = ''] = digits.split('.');
  let numerator = BigInt(`${sign === '-' ? '-' : ''}${whole || '0'}${fraction}`);
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix in binarySuffixes) numerator *= binarySuffixes[suffix];
  const exponent = exponentText !== undefined ? Number(exponentText) : (decimalExponents[suffix] ?? 0);
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator *= 10n ** BigInt(-exponent);
  return { numerator, denominator };
}

/** Whether two values are the same quantity written differently. */
export function sameQuantity(a: string | number, b: string | number): boolean {
  const left = parseQuantity(a);
  const right = parseQuantity(b);
  return left !== null && right !== null && left.numerator * right.denominator === right.numerator * left.denominator;
}
