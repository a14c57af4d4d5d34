import { InvalidArgumentError } from 'commander';

/** Parses a repeatable `key=value` option into one object; a malformed pair is a usage error. */
export function keyValuePairs(flag: string) {
  return (pair: string, pairs: Record<string, string> = {}): Record<string, string> => {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new InvalidArgumentError(`${flag} expects key=value, got ${JSON.stringify(pair)}`);
    return { ...pairs, [pair.slice(0, equals)]: pair.slice(equals + 1) };
  };
}

/** Collects a repeatable option's values in order. */
export function repeatable(value: string, values: string[] = []): string[] {
  return [...values, value];
}

/** Parses an integer option of at least `minimum`. */
export function integerAtLeast(flag: string, minimum: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum) throw new InvalidArgumentError(`${flag} expects an integer of at least ${minimum}, got ${JSON.stringify(text)}`);
    return value;
  };
}
