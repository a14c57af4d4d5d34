import { QueryFailedError } from 'typeorm';

/** The unique constraint a failed write violated (PostgreSQL 23505), or null for any other error. */
export function violatedUniqueConstraint(error: unknown): string | null {
  if (!(error instanceof QueryFailedError)) return null;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' ? (driverError.constraint ?? 'unique') : null;
}

/** The foreign key a failed write or delete violated (PostgreSQL 23503), or null for any other error. */
export function violatedForeignKey(error: unknown): string | null {
  if (!(error instanceof QueryFailedError)) return null;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23503' ? (driverError.constraint ?? 'foreign key') : null;
}

/**
 * Whether PostgreSQL refused a write for what it held (SQLSTATE classes 22, data exception, and 23,
 * integrity constraint violation): writing the same again fails the same way, unlike a lost connection.
 */
export function refusedData(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: string }).code ?? '';
  return code.startsWith('22') || code.startsWith('23');
}
