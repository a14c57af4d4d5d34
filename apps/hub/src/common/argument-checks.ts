import { CapstanErrorCode, CapstanException, type FieldError } from './capstan.exception';

/**
 * What no argument may hold whatever its own rules: a NUL character in a string (PostgreSQL
 * cannot store it) and a date that did not parse (the DateTime scalar yields an invalid Date
 * instead of refusing it). `path` names the argument, e.g. `input.labels`.
 */
export function unsoundArguments(value: unknown, path: string): FieldError[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ field: path, message: 'must not contain a NUL character (\\u0000)' }] : [];
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? [{ field: path, message: 'must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z' }] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => unsoundArguments(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      // A key with NUL in it is no name to report: the object holding it is.
      if (key.includes('\u0000')) return [{ field: path, message: 'must not contain a NUL character (\\u0000) in a key' }];
      return unsoundArguments(item, path ? `${path}.${key}` : key);
    });
  }
  return [];
}

/** Refuses arguments holding what `unsoundArguments` finds, as INVALID_ARGUMENT naming each field. */
export function assertSoundArguments(value: unknown, path: string): void {
  const fields = unsoundArguments(value, path);
  if (fields.length > 0) throw new CapstanException(CapstanErrorCode.InvalidArgument, fields.map((error) => `${error.field}: ${error.message}`).join('; '), fields);
}
