import type { LabelRequirement, LabelSelector } from '@capstan/manifest';

/** A SQL condition with its named parameters, for TypeORM's query builder. */
export interface SqlCondition {
  sql: string;
  parameters: Record<string, unknown>;
}

/**
 * Translates a label selector into a condition on a `jsonb` labels column. Equality and set
 * membership use `@>` and `?`, which the GIN index on the column serves.
 */
export function labelSelectorCondition(column: string, selector: LabelSelector, parameterPrefix = 'selector'): SqlCondition {
  const parameters: Record<string, unknown> = {};
  let counter = 0;
  const parameter = (value: unknown): string => {
    const name = `${parameterPrefix}_${counter++}`;
    parameters[name] = value;
    return `:${name}`;
  };
  const contains = (requirement: { key: string; values: string[] }): string =>
    `(${requirement.values.map((value) => `${column} @> ${parameter(JSON.stringify({ [requirement.key]: value }))}::jsonb`).join(' OR ')})`;
  const numericCompare = (requirement: LabelRequirement & { value: number }, operator: '>' | '<'): string => {
    const key = parameter(requirement.key);
    return `(CASE WHEN (${column} ->> ${key}) ~ '^-?[0-9]+$' THEN (${column} ->> ${key})::numeric ${operator} ${parameter(requirement.value)} ELSE false END)`;
  };
  const conditions = selector.requirements.map((requirement) => {
    switch (requirement.operator) {
      case 'In':
        return contains(requirement);
      case 'NotIn':
        return `NOT ${contains(requirement)}`;
      case 'Exists':
        return `(${column} ? ${parameter(requirement.key)})`;
      case 'DoesNotExist':
        return `NOT (${column} ? ${parameter(requirement.key)})`;
      case 'Gt':
        return numericCompare(requirement, '>');
      case 'Lt':
        return numericCompare(requirement, '<');
    }
  });
  return { sql: conditions.length > 0 ? conditions.join(' AND ') : 'TRUE', parameters };
}
