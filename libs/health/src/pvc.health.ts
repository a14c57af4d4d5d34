import { degraded, type Health, healthy, progressing, unknown } from './health-status';
import type { KubeObject } from './kube-object';

/** A claim is healthy once bound to a volume. */
export function persistentVolumeClaimHealth(claim: KubeObject): Health {
  const phase = claim.status?.['phase'];
  switch (phase) {
    case 'Bound':
      return healthy('claim is bound');
    case 'Pending':
      return progressing('claim is waiting for a volume');
    case 'Lost':
      return degraded('claim lost its volume');
    default:
      return unknown(`claim phase ${phase === undefined ? 'not reported' : `"${String(phase)}"`}`);
  }
}
