import { type LabelSelector, matchesLabelSelector, parseLabelSelector } from '@capstan/manifest';
import { labelSelectorCondition, type SqlCondition } from '@capstan/persistence';

/** What decides membership of a cluster group. */
export interface GroupMembership {
  selector: string | null;
  members: readonly string[];
}

/** A cluster is in a group when the group lists it by name or its labels match the group's selector. */
export function groupContainsCluster(group: GroupMembership, cluster: { name: string; labels: Record<string, string> }): boolean {
  if (group.members.includes(cluster.name)) return true;
  return group.selector !== null && matchesLabelSelector(parsedSelector(group.selector), cluster.labels);
}

const selectorCache = new Map<string, LabelSelector>();

function parsedSelector(text: string): LabelSelector {
  let selector = selectorCache.get(text);
  if (!selector) {
    selector = parseLabelSelector(text);
    if (selectorCache.size > 10_000) selectorCache.clear();
    selectorCache.set(text, selector);
  }
  return selector;
}

/**
 * A SQL condition on the `labels` and `name` columns of `alias` (a clusters query) that holds for
 * members of any of `groups`, by selector or by name; FALSE for no group. `prefix` keeps its
 * parameters apart from others in the same query.
 */
export function membershipCondition(groups: readonly GroupMembership[], alias: string, prefix: string): SqlCondition {
  const parameters: Record<string, unknown> = {};
  const conditions: string[] = [];
  groups.forEach((group, index) => {
    if (group.selector !== null) {
      const bySelector = labelSelectorCondition(`${alias}.labels`, parsedSelector(group.selector), `${prefix}_${index}`);
      conditions.push(`(${bySelector.sql})`);
      Object.assign(parameters, bySelector.parameters);
    }
    if (group.members.length > 0) {
      conditions.push(`${alias}.name = ANY(:${prefix}_${index}_members)`);
      parameters[`${prefix}_${index}_members`] = [...group.members];
    }
  });
  return { sql: conditions.length > 0 ? `(${conditions.join(' OR ')})` : 'FALSE', parameters };
}
