import { celRuleKinds } from './cel/cel-rule';
import type { CompiledPolicy } from './compile';
import type { GroupKind } from './types';

/** Where two kind patterns meet (`'*'` matching anything), or undefined when they do not. */
function intersect(a: GroupKind, b: GroupKind): GroupKind | undefined {
  const meet = (x: string, y: string) => (x === '*' ? y : y === '*' || x === y ? x : undefined);
  const group = meet(a.group, b.group);
  const kind = meet(a.kind, b.kind);
  return group === undefined || kind === undefined ? undefined : { group, kind };
}

const keyOf = (kind: GroupKind) => `${kind.group}/${kind.kind}`;

/**
 * The kinds of objects a policy may judge (`'*'` for any group or kind): those its rules look at,
 * narrowed to its scope's kinds. Live, only objects of these kinds need watching.
 */
export function kindsJudged(compiled: CompiledPolicy): GroupKind[] {
  const ruleKinds = compiled.rules.flatMap((rule) => (rule.type === 'builtin' ? rule.definition.kinds(rule.params) : celRuleKinds(rule.cel.rule)));
  const scopeKinds = compiled.policy.scope?.kinds;
  const kinds = scopeKinds === undefined ? ruleKinds : ruleKinds.flatMap((ruleKind) => scopeKinds.flatMap((scopeKind) => intersect(ruleKind, scopeKind) ?? []));
  return [...new Map(kinds.map((kind) => [keyOf(kind), kind])).values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}
