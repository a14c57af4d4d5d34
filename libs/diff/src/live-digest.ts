import { contentDigest, type JsonValue } from '@capstan/manifest';
import type { ObjectDrift } from './drift';

/**
 * What is live of an application, as one digest: its bundle digest when no object differs from
 * the bundle on the fields Capstan owns, else a digest of how they differ. The hub compares it
 * with the bundle digest it wants the cluster to run, so a drift whose events were missed cannot
 * stay silent.
 */
export function liveDigest(bundleDigest: string, drifts: readonly ObjectDrift[]): string {
  if (drifts.length === 0) return bundleDigest;
  const differences: JsonValue[] = drifts
    .map((drift): [string, boolean, JsonValue[]] => [drift.subject, drift.deleted, drift.fields.map((field) => [field.path, field.live ?? null])])
    .sort(([a], [b]) => a.localeCompare(b));
  return contentDigest([bundleDigest, differences]);
}
