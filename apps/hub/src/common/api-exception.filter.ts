import { type ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { GqlContextType } from '@nestjs/graphql';

/**
 * In GraphQL, hands every error on untouched to the error formatter, which maps it to a code
 * and logs it once: a caller's error briefly, an unexpected one with its stack. (Nest's own
 * handler would log each one, a NOT_FOUND included, as an error.) HTTP routes keep Nest's.
 */
@Catch()
export class ApiExceptionFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<GqlContextType>() === 'graphql') return exception;
    return super.catch(exception, host);
  }
}
