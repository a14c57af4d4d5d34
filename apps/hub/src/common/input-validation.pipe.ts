import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { CapstanErrorCode, CapstanException, type FieldError } from './capstan.exception';

function fieldErrors(errors: ValidationError[], path: string): FieldError[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property) ? `${path}[${error.property}]` : `${path}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/** Validates GraphQL input objects with their class-validator rules; errors name each field by its path. */
@Injectable()
export class InputValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if (!type || value === null || typeof value !== 'object' || [Object, Array, String, Number, Boolean].includes(type as never)) return value;
    const instance = plainToInstance(type, value) as object;
    const errors = await validate(instance, { forbidUnknownValues: false });
    if (errors.length === 0) return instance;
    const fields = fieldErrors(errors, metadata.data ?? 'input');
    throw new CapstanException(CapstanErrorCode.InvalidArgument, fields.map((error) => `${error.field}: ${error.message}`).join('; '), fields);
  }
}
