import { LabelSelectorError, type LabelSelector as ParsedSelector, matchesLabelSelector, parseLabelSelector } from '@capstan/manifest';
import { groupOf, labelsOf, namespaceOf } from './objects';
import type { GroupKind, KubeObject, PolicyCluster, PolicyExemption, PolicyScope } from './types';

/** Fails compilation: `field` is the field at fault (`scope.clusterSelector`). */
export type CompileFail = (field: string, reason: string, code?: 'InvalidPolicy' | 'InvalidSelector') => never;

/** A scope ready to be matched. */
export interface CompiledScope {
  includesCluster(cluster: PolicyCluster): boolean;
  includesObject(object: KubeObject): boolean;
}

/** Parses a label selector string, failing at `field` with the position in it. */
export function compileSelector(selector: string, field: string, fail: CompileFail): ParsedSelector {
  try {
    return parseLabelSelector(selector);
  } catch (error) {
    if (error instanceof LabelSelectorError) return fail(field, `invalid label selector "${selector}" at position ${error.position}: ${error.reason}`, 'InvalidSelector');
    throw error;
  }
}

function stringList(value: unknown, field: string, fail: CompileFail): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return fail(field, 'must be a list of strings');
  return value as string[];
}

/** Whether `object` is of one of `kinds` (`'*'` matching any group or kind). */
export function matchesKinds(kinds: readonly GroupKind[], object: KubeObject): boolean {
  const group = groupOf(object);
  return kinds.some((kind) => (kind.group === '*' || kind.group === group) && (kind.kind === '*' || kind.kind === object.kind));
}

export function compileScope(scope: PolicyScope | undefined, fail: CompileFail): CompiledScope {
  if (scope !== undefined && (typeof scope !== 'object' || scope === null)) fail('scope', 'must be an object');
  const groups = stringList(scope?.groups, 'scope.groups', fail);
  const selector = scope?.clusterSelector === undefined ? undefined : typeof scope.clusterSelector === 'string' ? compileSelector(scope.clusterSelector, 'scope.clusterSelector', fail) : fail('scope.clusterSelector', 'must be a label selector string');
  const namespaces = stringList(scope?.namespaces, 'scope.namespaces', fail);
  const kinds = scope?.kinds;
  if (kinds !== undefined && (!Array.isArray(kinds) || !kinds.every((kind) => typeof kind?.group === 'string' && typeof kind?.kind === 'string' && kind.kind !== ''))) {
    fail('scope.kinds', 'must be a list of { group, kind } (the core group is "", "*" matches any)');
  }
  return {
    includesCluster: (cluster) => (groups === undefined || groups.some((group) => cluster.groups.includes(group))) && (selector === undefined || matchesLabelSelector(selector, cluster.labels)),
    includesObject: (object) => (namespaces === undefined || namespaces.includes(namespaceOf(object))) && (kinds === undefined || matchesKinds(kinds, object)),
  };
}

/** An exemption ready to be matched. */
export interface CompiledExemption {
  exemption: PolicyExemption;
  /** Milliseconds since the epoch; Infinity when it does not expire. */
  expiresAt: number;
  covers(object: KubeObject): boolean;
}

export function compileExemptions(exemptions: PolicyExemption[] | undefined, fail: CompileFail): CompiledExemption[] {
  if (exemptions === undefined) return [];
  if (!Array.isArray(exemptions)) return fail('exemptions', 'must be a list');
  return exemptions.map((exemption, index) => {
    const field = `exemptions[${index}]`;
    if (typeof exemption !== 'object' || exemption === null) return fail(field, 'must be an object');
    if (typeof exemption.reason !== 'string' || exemption.reason.trim() === '') fail(`${field}.reason`, 'required: why these objects are exempt');
    const namespaces = stringList(exemption.namespaces, `${field}.namespaces`, fail);
    const selector = exemption.objectSelector === undefined ? undefined : typeof exemption.objectSelector === 'string' ? compileSelector(exemption.objectSelector, `${field}.objectSelector`, fail) : fail(`${field}.objectSelector`, 'must be a label selector string');
    if (namespaces === undefined && selector === undefined) fail(field, 'must name namespaces or an objectSelector (an exemption of everything would disable the policy)');
    let expiresAt = Infinity;
    if (exemption.expiresAt !== undefined) {
      expiresAt = typeof exemption.expiresAt === 'string' && /^\d{4}-\d\d-\d\dT/.test(exemption.expiresAt) ? Date.parse(exemption.expiresAt) : NaN;
      if (Number.isNaN(expiresAt)) fail(`${field}.expiresAt`, `"${String(exemption.expiresAt)}" is not an ISO 8601 time (2026-01-31T00:00:00Z)`);
    }
    return {
      exemption,
      expiresAt,
      covers: (object: KubeObject) => (namespaces === undefined || namespaces.includes(namespaceOf(object))) && (selector === undefined || matchesLabelSelector(selector, labelsOf(object))),
    };
  });
}
