import { type LabelSelector, matchesLabelSelector, parseLabelSelector } from '@capstan/manifest';
import { ClusterGroupEntity, labelSelectorCondition, type SqlCondition } from '@capstan/persistence';
import type { EntityManager } from 'typeorm';

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

/** A cluster as stage selection and policy scope see it: its labels and the groups it is a member of now. */
export interface ClusterWithGroups {
  id: string;
  name: string;
  labels: Record<string, string>;
  groups: string[];
}

/** The clusters of these names, by name, with their labels and groups (unknown names are left out). */
export async function clustersWithGroups(manager: EntityManager, clusterNames: readonly string[]): Promise<ClusterWithGroups[]> {
  // One after the other: a transaction's queries share one connection. By name, so that what is judged cluster by cluster is listed the same way every time.
  const clusters: Array<{ id: string; name: string; labels: Record<string, string> }> = await manager.query(`SELECT id, name, labels FROM clusters WHERE name = ANY($1) ORDER BY name`, [[...clusterNames]]);
  const groups = await manager.getRepository(ClusterGroupEntity).find();
  return clusters.map((cluster) => ({ ...cluster, groups: groups.filter((group) => groupContainsCluster(group, cluster)).map((group) => group.name) }));
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
