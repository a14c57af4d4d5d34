import { CustomScalar, Scalar } from '@nestjs/graphql';
import { Kind, type ValueNode } from 'graphql';

/** A JSON object of string values, such as labels (`{ env: "prod" }`) or render variables. */
@Scalar('StringMap')
export class StringMapScalar implements CustomScalar<Record<string, string>, Record<string, string>> {
  description = 'A JSON object whose values are all strings, e.g. labels {"env": "prod"}';

  parseValue(value: unknown): Record<string, string> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('StringMap must be a JSON object');
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry !== 'string') throw new TypeError(`StringMap value of "${key}" must be a string`);
    }
    return { ...(value as Record<string, string>) };
  }

  serialize(value: unknown): Record<string, string> {
    return value as Record<string, string>;
  }

  parseLiteral(ast: ValueNode): Record<string, string> {
    if (ast.kind !== Kind.OBJECT) throw new TypeError('StringMap must be an object literal');
    const result: Record<string, string> = {};
    for (const field of ast.fields) {
      if (field.value.kind !== Kind.STRING) throw new TypeError(`StringMap value of "${field.name.value}" must be a string`);
      result[field.name.value] = field.value.value;
    }
    return result;
  }
}
