import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { CapstanErrorCode, CapstanException, type FieldError } from './capstan.exception';

/** Apollo's own codes for requests that never reached a resolver. */
const requestErrorCodes: Record<string, CapstanErrorCode> = {
  GRAPHQL_PARSE_FAILED: CapstanErrorCode.InvalidArgument,
  GRAPHQL_VALIDATION_FAILED: CapstanErrorCode.InvalidArgument,
  BAD_USER_INPUT: CapstanErrorCode.InvalidArgument,
  BAD_REQUEST: CapstanErrorCode.InvalidArgument,
  PERSISTED_QUERY_NOT_FOUND: CapstanErrorCode.InvalidArgument,
  OPERATION_RESOLUTION_FAILURE: CapstanErrorCode.InvalidArgument,
};

/** Where GraphQL errors are logged: a caller's error briefly, an unexpected one in full. */
export interface GraphqlErrorLog {
  /** A caller's error (not found, refused, bad input…), in one line that holds no input value. */
  client(code: CapstanErrorCode, summary: string): void;
  /** An unexpected error, with its stack. */
  internal(error: unknown): void;
}

/**
 * The variable a coercion error is about, e.g. `Variable "$input" got invalid value 42 at
 * "input.name"; …` names `input.name`: graphql-js puts no field in its extensions, only in words.
 */
function variableField(message: string): FieldError | null {
  const match = /^Variable "\$([A-Za-z_][A-Za-z0-9_]*)"(?:.*? at "([^"]+)")?/s.exec(message);
  if (!match) return null;
  return { field: match[2] ?? match[1], message };
}

/**
 * Maps every error leaving the GraphQL API to a Capstan code. Unexpected errors are reported
 * as INTERNAL without their message, which may carry internals.
 */
export function formatGraphqlError(log: GraphqlErrorLog) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const where = formatted.path?.join('.') ?? 'request';
    if (original instanceof CapstanException) {
      log.client(original.code, `${where}: ${original.code} ${original.message}`);
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: original.code, ...(original.fields.length ? { fields: original.fields } : {}) },
      };
    }
    const apolloCode = formatted.extensions?.['code'];
    const mapped = typeof apolloCode === 'string' ? requestErrorCodes[apolloCode] : undefined;
    if (mapped || (original instanceof GraphQLError && !original.originalError)) {
      const variable = variableField(formatted.message);
      // A variable's message repeats the value given, which may be a secret: the log names the variable only.
      log.client(mapped ?? CapstanErrorCode.InvalidArgument, `${where}: ${String(apolloCode ?? 'GRAPHQL_ERROR')} ${variable ? `variable ${variable.field} is not valid` : formatted.message}`);
      return {
        message: formatted.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: mapped ?? CapstanErrorCode.InvalidArgument, ...(variable ? { fields: [variable] } : {}) },
      };
    }
    log.internal(original);
    return { message: 'internal error', path: formatted.path, extensions: { code: CapstanErrorCode.Internal } };
  };
}
