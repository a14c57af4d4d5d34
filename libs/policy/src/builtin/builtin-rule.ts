import type { Fields } from '../objects';
import type { BuiltinRuleId, GroupKind, KubeObject, Severity } from '../types';

/** What a built-in rule found wrong with an object: where, and what (the object is named by the caller). */
export interface Finding {
  fieldPath: string;
  message: string;
}

/** A finding of a rule judged over the whole input, on the object it concerns (which may not be in the input). */
export interface InputFinding extends Finding {
  object: KubeObject;
}

/** Rejects a parameter: `param` is its name (`allowed`), `reason` what is wrong. */
export type ParamFail = (param: string, reason: string) => never;

/** A built-in rule: its id, severity, parameters, and the check, per object or over the whole input. */
export interface BuiltinRuleDefinition<P = unknown> {
  id: BuiltinRuleId;
  severity: Severity;
  /** One line for documentation and listings. */
  description: string;
  /** Validates the parameters and fills in their defaults. */
  params(raw: Fields, fail: ParamFail): P;
  /** The kinds it looks at (`'*'` for any), so that only objects of those need watching in a live cluster. */
  kinds(params: P): readonly GroupKind[];
  check?(object: KubeObject, params: P): Finding[];
  checkInput?(objects: readonly KubeObject[], params: P): InputFinding[];
}

/** The parameters of a rule that takes none. */
export function noParams(raw: Fields, fail: ParamFail): Record<string, never> {
  for (const key of Object.keys(raw)) fail(key, 'unknown parameter (this rule takes none)');
  return {};
}

/** Fails on any parameter not in `known`. */
export function onlyParams(raw: Fields, known: readonly string[], fail: ParamFail): void {
  for (const key of Object.keys(raw)) if (!known.includes(key)) fail(key, `unknown parameter (expected ${known.join(', ')})`);
}

/** A list of strings parameter, each among `allowed` when given; undefined when absent. */
export function stringListParam(raw: Fields, key: string, fail: ParamFail, allowed?: readonly string[]): string[] | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return fail(key, 'must be a list of strings');
  for (const item of value) if (allowed && !allowed.includes(item)) fail(key, `"${item}" is not one of ${allowed.join(', ')}`);
  return value as string[];
}

/** A boolean parameter; undefined when absent. */
export function booleanParam(raw: Fields, key: string, fail: ParamFail): boolean | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  return typeof value === 'boolean' ? value : fail(key, 'must be true or false');
}
