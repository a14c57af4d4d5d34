/** The fields of `object` that are set: GraphQL input classes declare every field, even those left out. */
export function definedFields<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * Copies the fields of `changes` that are set onto `entity` and returns what they were and are,
 * for the audit summary. Fields left out (undefined) keep their value.
 */
export function applyChanges<E extends object>(entity: E, changes: Partial<E>): { before: Partial<E>; after: Partial<E> } {
  const before: Partial<E> = {};
  const after: Partial<E> = {};
  for (const key of Object.keys(changes) as Array<keyof E>) {
    if (changes[key] === undefined) continue;
    before[key] = entity[key];
    after[key] = changes[key];
  }
  Object.assign(entity, after);
  return { before, after };
}
