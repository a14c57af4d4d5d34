import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { assertSoundArguments } from './argument-checks';
import { CapstanErrorCode, CapstanException, type FieldError } from './capstan.exception';


const fieldPath = (path: string, property: string): string => (/^\d+$/.test(property) ? `${path}[${property}]` : path ? `${path}.${property}` : property);

function fieldErrors(errors: ValidationError[], path: string): FieldError[] {
  return errors.flatMap((error) => {
    const field = fieldPath(path, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/**
 * Validates GraphQL arguments: nothing PostgreSQL cannot store or that did not parse (see
 * argument-checks.ts), then input objects with their class-validator rules. Errors name each
 * field by its path: `input.labels` for an argument `input`, `since` for a field of an @ArgsType.
 */
@Injectable()
export class InputValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // GraphQL arguments reach pipes as 'body'; parent, context and custom decorators (the principal, the scope) as 'custom'.
    if (metadata.type !== 'body') return value;
    const path = metadata.data ?? '';
    assertSoundArguments(value, path);
    const type = metadata.metatype;
    if (!type || value === null || typeof value !== 'object' || [Object, Array, String, Number, Boolean].includes(type as never)) return value;
    const instance = plainToInstance(type, value) as object;
    const errors = await validate(instance, { forbidUnknownValues: false });
    if (errors.length === 0) return instance;
    const fields = fieldErrors(errors, path);
    throw new CapstanException(CapstanErrorCode.InvalidArgument, fields.map((error) => `${error.field}: ${error.message}`).join('; '), fields);
  }
}
