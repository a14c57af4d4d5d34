import { type Health, healthy, progressing } from './health-status';
import type { KubeObject } from './kube-object';

function hasLoadBalancerIngress(object: KubeObject): boolean {
  const ingress = (object.status?.['loadBalancer'] as { ingress?: unknown[] } | undefined)?.ingress;
  return Array.isArray(ingress) && ingress.length > 0;
}

/** A Service is healthy at once, except a LoadBalancer, which waits for its external address. */
export function serviceHealth(service: KubeObject): Health {
  if (service.spec?.['type'] !== 'LoadBalancer') return healthy();
  return hasLoadBalancerIngress(service) ? healthy('load balancer has an address') : progressing('waiting for the load balancer to get an address');
}

/** An Ingress is healthy once its controller has published an address. */
export function ingressHealth(ingress: KubeObject): Health {
  return hasLoadBalancerIngress(ingress) ? healthy('ingress has an address') : progressing('waiting for the ingress controller to publish an address');
}
