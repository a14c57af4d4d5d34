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
