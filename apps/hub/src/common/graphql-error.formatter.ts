import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { CapstanErrorCode, CapstanException } from './capstan.exception';

/** Apollo's own codes for requests that never reached a resolver. */
const requestErrorCodes: Record<string, CapstanErrorCode> = {
  GRAPHQL_PARSE_FAILED: CapstanErrorCode.InvalidArgument,
  GRAPHQL_VALIDATION_FAILED: CapstanErrorCode.InvalidArgument,
  BAD_USER_INPUT: CapstanErrorCode.InvalidArgument,
  BAD_REQUEST: CapstanErrorCode.InvalidArgument,
  PERSISTED_QUERY_NOT_FOUND: CapstanErrorCode.InvalidArgument,
  OPERATION_RESOLUTION_FAILURE: CapstanErrorCode.InvalidArgument,
};

/**
 * Maps every error leaving the GraphQL API to a Capstan code. Unexpected errors are reported
 * as INTERNAL without their message, which may carry internals; `onInternal` logs them.
 */
export function formatGraphqlError(onInternal: (error: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (original instanceof CapstanException) {
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
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: mapped ?? CapstanErrorCode.InvalidArgument } };
    }
    onInternal(original);
    return { message: 'internal error', path: formatted.path, extensions: { code: CapstanErrorCode.Internal } };
  };
}
