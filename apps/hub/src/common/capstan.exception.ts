/** Error codes every transport understands; GraphQL puts them in `extensions.code`. */
export enum CapstanErrorCode {
  NotFound = 'NOT_FOUND',
  InvalidArgument = 'INVALID_ARGUMENT',
  PermissionDenied = 'PERMISSION_DENIED',
  Unauthenticated = 'UNAUTHENTICATED',
  Conflict = 'CONFLICT',
  Internal = 'INTERNAL',
}

/** A problem with one input field: `field` is its path, e.g. `input.labels`. */
export interface FieldError {
  field: string;
  message: string;
}

/** An error meant for the API caller: a code, a message naming the object, and field errors for bad input. */
export class CapstanException extends Error {
  constructor(
    readonly code: CapstanErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'CapstanException';
  }

  static notFound(kind: string, name: string): CapstanException {
    return new CapstanException(CapstanErrorCode.NotFound, `${kind} "${name}" not found`);
  }

  static invalid(field: string, message: string): CapstanException {
    return new CapstanException(CapstanErrorCode.InvalidArgument, `${field}: ${message}`, [{ field, message }]);
  }

  static conflict(message: string): CapstanException {
    return new CapstanException(CapstanErrorCode.Conflict, message);
  }

  static permissionDenied(message: string): CapstanException {
    return new CapstanException(CapstanErrorCode.PermissionDenied, message);
  }

  static unauthenticated(message: string): CapstanException {
    return new CapstanException(CapstanErrorCode.Unauthenticated, message);
  }
}
