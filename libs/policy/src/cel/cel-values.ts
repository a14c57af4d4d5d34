import type { CelInput } from '@bufbuild/cel';

const int64Bound = 2 ** 63;

/**
 * A JSON value as CEL sees it: objects become maps, whole numbers `int` and the others `double`
 * (JSON.parse cannot tell `2.0` from `2`, so both are `int`). Converted once per object.
 */
export function celValueOf(value: unknown): CelInput {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && Math.abs(value) < int64Bound ? BigInt(value) : value;
    case 'string':
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(celValueOf);
      const map = new Map<string, CelInput>();
      for (const key of Object.keys(value)) {
        const field = (value as Record<string, unknown>)[key];
        if (field !== undefined) map.set(key, celValueOf(field));
      }
      return map;
    }
    default:
      return null;
  }
}
