/*
 * Kubernetes resource quantities ("500m", "1.5Gi", "1e3"), parsed as apimachinery's ParseQuantity
 * does: the value is rounded up (away from zero) to a nano and capped at 2^63-1, so a quantity is
 * an exact count of nanos (a bigint) and comparisons are exact.
 */

/** A parsed quantity: its exact value in nanos (10^-9). */
export interface Quantity {
  readonly nanos: bigint;
}

const nanosPerUnit = 1_000_000_000n;
const maxUnits = 2n ** 63n - 1n;
const maxNanos = maxUnits * nanosPerUnit;

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const suffixLetters = 'eEinumkKMGTP';

/** A string that is not a quantity; `reason` says why. */
export class QuantityError extends Error {
  constructor(
    readonly text: string,
    readonly reason: string,
  ) {
    super(`invalid quantity "${text}": ${reason}`);
    this.name = 'QuantityError';
  }
}

const isDigit = (char: string | undefined) => char !== undefined && char >= '0' && char <= '9';

/** Parses a quantity, or throws a QuantityError. */
export function parseQuantity(text: string): Quantity {
  const fail = (reason: string): never => {
    throw new QuantityError(text, reason);
  };
  let pos = 0;
  let negative = false;
  if (text[0] === '-' || text[0] === '+') {
    negative = text[0] === '-';
    pos++;
  }
  const integerStart = pos;
  while (isDigit(text[pos])) pos++;
  const integerDigits = text.slice(integerStart, pos);
  let fractionDigits = '';
  if (text[pos] === '.') {
    const fractionStart = ++pos;
    while (isDigit(text[pos])) pos++;
    fractionDigits = text.slice(fractionStart, pos);
  }
  if (integerDigits === '' && fractionDigits === '') fail('expected a number');
  const suffixStart = pos;
  while (pos < text.length && suffixLetters.includes(text[pos])) pos++;
  if (text[pos] === '-' || text[pos] === '+') pos++;
  while (isDigit(text[pos])) pos++;
  if (pos < text.length) fail(`unexpected "${text[pos]}" at ${pos}`);
  const suffix = text.slice(suffixStart);

  let exponent10 = -fractionDigits.length;
  let exponent2 = 0;
  if (suffix in decimalSuffixes) exponent10 += decimalSuffixes[suffix];
  else if (suffix in binarySuffixes) exponent2 = binarySuffixes[suffix];
  else if ((suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d{1,10}$/.test(suffix.slice(1)) && Math.abs(Number(suffix.slice(1))) <= 2 ** 31 - 1) exponent10 += Number(suffix.slice(1));
  else fail(`unknown suffix "${suffix}"`);

  const mantissa = BigInt((integerDigits + fractionDigits).replace(/^0+(?=\d)/, '') || '0');
  const magnitude = toNanos(mantissa * 2n ** BigInt(exponent2), exponent10 + 9);
  return { nanos: negative ? -magnitude : magnitude };
}

/** `value × 10^exponent`, rounded up to an integer and capped, without building huge powers. */
function toNanos(value: bigint, exponent: number): bigint {
  if (value === 0n) return 0n;
  const digits = value.toString().length;
  if (digits + exponent > maxNanos.toString().length) return maxNanos;
  if (exponent >= 0) {
    const nanos = value * 10n ** BigInt(exponent);
    return nanos > maxNanos ? maxNanos : nanos;
  }
  // Anything non-zero below a nano rounds up to one nano, as Kubernetes gives some resources rather than none.
  if (digits < -exponent) return 1n;
  const divisor = 10n ** BigInt(-exponent);
  const rounded = (value + divisor - 1n) / divisor;
  return rounded > maxNanos ? maxNanos : rounded;
}

/** Whether `text` parses as a quantity. */
export function isQuantity(text: string): boolean {
  try {
    parseQuantity(text);
    return true;
  } catch {
    return false;
  }
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** The quantity as a whole number, or undefined when it has a fraction or does not fit an int64. */
export function quantityAsInteger(quantity: Quantity): bigint | undefined {
  if (quantity.nanos % nanosPerUnit !== 0n) return undefined;
  const units = quantity.nanos / nanosPerUnit;
  return units > maxUnits || units < -maxUnits - 1n ? undefined : units;
}

/** The quantity as the nearest double. */
export function quantityAsFloat(quantity: Quantity): number {
  const whole = quantity.nanos / nanosPerUnit;
  return Number(whole) + Number(quantity.nanos - whole * nanosPerUnit) / 1e9;
}

/** A quantity of `units` whole units (for `add(int)`, `sub(int)`). */
export function quantityOfUnits(units: bigint): Quantity {
  return { nanos: units * nanosPerUnit };
}
