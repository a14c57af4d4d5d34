/** The kubelet's part: pods start (or wait on a broken image), claims bind. */
import { createHash } from 'node:crypto';
import { isPlainObject, valueAtPath, type JsonObject } from '../json';
import { metadataOf } from '../object-meta';
import { conditions, runsBrokenImage } from './conditions';
import type { Controller } from './controller-manager';

function podIp(uid: string): string {
  const digest = createHash('sha256').update(uid).digest();
  return `10.244.${digest[0]}.${(digest[1] % 254) + 1}`;
}

export const podController: Controller = {
  groupResource: 'pods',
  reconcile(pod, context) {
    if (context.elapsedMs < context.options.readyDelayMs) return { requeueAfterMs: context.options.readyDelayMs - context.elapsedMs };
    const spec = valueAtPath(pod, ['spec']);
    const broken = runsBrokenImage(spec, context.options.brokenImagePattern);
    const previous = isPlainObject(pod.status) ? pod.status : {};
    const startedAt = (previous.startTime as string | undefined) ?? context.now;
    const containers = isPlainObject(spec) && Array.isArray(spec.containers) ? (spec.containers as JsonObject[]) : [];
    const containerStatuses = containers.map((container): JsonObject => ({
        name: container.name,
        image: container.image,
        imageID: '',
        ready: !broken,
        started: !broken,
        restartCount: 0,
        state: broken ? { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${String(container.image)}"` } } : { running: { startedAt } },
      }));
    const ready = broken ? 'False' : 'True';
    return {
      status: {
        phase: broken ? 'Pending' : 'Running',
        conditions: conditions(
          previous.conditions,
          [
            { type: 'PodScheduled', status: 'True', reason: '', message: '' },
            { type: 'Initialized', status: 'True', reason: '', message: '' },
            { type: 'ContainersReady', status: ready, reason: broken ? 'ContainersNotReady' : '', message: '' },
            { type: 'Ready', status: ready, reason: broken ? 'ContainersNotReady' : '', message: '' },
          ],
          context.now,
        ),
        hostIP: '172.18.0.2',
        podIP: podIp(metadataOf(pod).uid as string),
        startTime: startedAt,
        containerStatuses,
        qosClass: 'BestEffort',
      },
    };
  },
};

export const persistentVolumeClaimController: Controller = {
  groupResource: 'persistentvolumeclaims',
  reconcile(claim) {
    const storage = valueAtPath(claim, ['spec', 'resources', 'requests', 'storage']);
    const accessModes = valueAtPath(claim, ['spec', 'accessModes']);
    return { status: { phase: 'Bound', accessModes: accessModes ?? ['ReadWriteOnce'], capacity: { storage: storage ?? '1Gi' } } };
  },
};
