import { degraded, type Health, healthy, progressing, unknown } from './health-status';
import type { KubeObject } from './kube-object';

interface ContainerStatus {
  name: string;
  ready?: boolean;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number; message?: string } };
}

/** Waiting reasons that will not fix themselves: the pod needs a change to start. */
const stuckReasons = new Set(['ErrImagePull', 'ImagePullBackOff', 'CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError', 'InvalidImageName', 'RunContainerError']);

function containerStatuses(pod: KubeObject): ContainerStatus[] {
  const status = pod.status ?? {};
  return [...((status['initContainerStatuses'] as ContainerStatus[]) ?? []), ...((status['containerStatuses'] as ContainerStatus[]) ?? [])];
}

/** A pod is healthy when it runs with every container ready (or, for run-to-completion pods, has succeeded). */
export function podHealth(pod: KubeObject): Health {
  const stuck = containerStatuses(pod).find((container) => stuckReasons.has(container.state?.waiting?.reason ?? ''));
  if (stuck) {
    const waiting = stuck.state?.waiting;
    return degraded(`container ${stuck.name}: ${waiting?.reason}${waiting?.message ? `: ${waiting.message}` : ''}`);
  }
  const phase = pod.status?.['phase'];
  switch (phase) {
    case 'Pending':
      return progressing(String(pod.status?.['message'] ?? 'pod is pending'));
    case 'Succeeded':
      return healthy(String(pod.status?.['message'] ?? 'pod completed'));
    case 'Failed': {
      const failed = containerStatuses(pod).find((container) => (container.state?.terminated?.exitCode ?? 0) !== 0);
      const terminated = failed?.state?.terminated;
      return degraded(String(pod.status?.['message'] ?? (terminated ? `container ${failed?.name} exited with ${terminated.exitCode} (${terminated.reason ?? 'Error'})` : 'pod failed')));
    }
    case 'Running': {
      if (pod.spec?.['restartPolicy'] !== undefined && pod.spec['restartPolicy'] !== 'Always') return progressing('pod is running to completion');
      const notReady = ((pod.status?.['containerStatuses'] as ContainerStatus[]) ?? []).filter((container) => !container.ready);
      return notReady.length === 0 ? healthy('all containers are ready') : progressing(`containers not ready: ${notReady.map((container) => container.name).join(', ')}`);
    }
    default:
      return unknown(`pod phase ${phase === undefined ? 'not reported' : `"${String(phase)}"`}`);
  }
}
