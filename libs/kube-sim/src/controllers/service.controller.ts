/** Services of type LoadBalancer get an ingress IP from the simulated cloud after the ready delay. */
import { createHash } from 'node:crypto';
import { valueAtPath } from '../json';
import { metadataOf } from '../object-meta';
import type { Controller } from './controller-manager';

// A stable address per Service, so re-reconciling never moves it.
function ingressIp(uid: string): string {
  const digest = createHash('sha256').update(uid).digest();
  return `172.18.${digest[0]}.${(digest[1] % 254) + 1}`;
}

export const serviceController: Controller = {
  groupResource: 'services',
  reconcile(service, context) {
    if (valueAtPath(service, ['spec', 'type']) !== 'LoadBalancer') return {};
    if (context.elapsedMs < context.options.readyDelayMs) return { requeueAfterMs: context.options.readyDelayMs - context.elapsedMs };
    return { status: { loadBalancer: { ingress: [{ ip: ingressIp(metadataOf(service).uid as string), ipMode: 'VIP' }] } } };
  },
};
