/**
 * Deployments, StatefulSets, DaemonSets and ReplicaSets: a new generation is observed at once,
 * its replicas become ready after the configured delay, and a template with a broken image
 * never becomes available (Deployments then report ProgressDeadlineExceeded).
 */
import { isPlainObject, valueAtPath, type JsonObject } from '../json';
import { nameOf } from '../object-meta';
import { conditions, numberAt, runsBrokenImage, templateHash } from './conditions';
import type { Controller, ReconcileContext, ReconcileResult } from './controller-manager';

interface Rollout {
  desired: number;
  generation: number;
  ready: boolean;
  broken: boolean;
  /** Replicas available before this generation, still serving while it rolls out. */
  previouslyAvailable: number;
  /** Milliseconds until the rollout next changes, if it will. */
  requeueAfterMs?: number;
}

// The shared timeline: ready after the delay unless the template's image is broken.
function rolloutOf(object: JsonObject, desired: number, availablePath: string, context: ReconcileContext): Rollout {
  const template = valueAtPath(object, ['spec', 'template', 'spec']);
  const broken = runsBrokenImage(template, context.options.brokenImagePattern);
  const ready = !broken && context.elapsedMs >= context.options.readyDelayMs;
  const previouslyAvailable = Math.min(desired, numberAt(object, availablePath, 0));
  const requeueAfterMs = !broken && !ready ? context.options.readyDelayMs - context.elapsedMs : undefined;
  return { desired, generation: numberAt(object, 'metadata.generation', 1), ready, broken, previouslyAvailable, requeueAfterMs };
}

function deploymentStatus(object: JsonObject, context: ReconcileContext): ReconcileResult {
  const desired = numberAt(object, 'spec.replicas', 1);
  const rollout = rolloutOf(object, desired, 'status.availableReplicas', context);
  const replicaSet = `${nameOf(object)}-${templateHash(valueAtPath(object, ['spec', 'template']))}`;
  const available = rollout.ready ? desired : rollout.previouslyAvailable;
  const deadlineMs = Math.min(context.options.progressDeadlineMs, numberAt(object, 'spec.progressDeadlineSeconds', 600) * 1000);
  const timedOut = rollout.broken && context.elapsedMs >= deadlineMs;
  const progressing = timedOut
    ? { type: 'Progressing', status: 'False' as const, reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${replicaSet}" has timed out progressing.` }
    : rollout.ready
      ? { type: 'Progressing', status: 'True' as const, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${replicaSet}" has successfully progressed.` }
      : { type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', message: `ReplicaSet "${replicaSet}" is progressing.` };
  const minimumAvailable = available > 0 || desired === 0;
  const availability = minimumAvailable
    ? { type: 'Available', status: 'True' as const, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
    : { type: 'Available', status: 'False' as const, reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
  const status: JsonObject = {
    observedGeneration: rollout.generation,
    replicas: desired,
    updatedReplicas: desired,
    readyReplicas: available,
    availableReplicas: available,
    conditions: conditions(valueAtPath(object, ['status', 'conditions']), [availability, progressing], context.now, true),
  };
  if (desired - available > 0) status.unavailableReplicas = desired - available;
  if (available === 0) delete status.readyReplicas;
  if (available === 0) delete status.availableReplicas;
  const requeueAfterMs = rollout.broken && !timedOut ? deadlineMs - context.elapsedMs : rollout.requeueAfterMs;
  return { status, requeueAfterMs };
}

function statefulSetStatus(object: JsonObject, context: ReconcileContext): ReconcileResult {
  const desired = numberAt(object, 'spec.replicas', 1);
  const rollout = rolloutOf(object, desired, 'status.availableReplicas', context);
  const revision = `${nameOf(object)}-${templateHash(valueAtPath(object, ['spec', 'template']))}`;
  const previous = isPlainObject(object.status) ? object.status : {};
  const ready = rollout.ready ? desired : 0;
  const status: JsonObject = {
    observedGeneration: rollout.generation,
    replicas: desired,
    readyReplicas: ready,
    currentReplicas: rollout.ready ? desired : numberAt(object, 'status.currentReplicas', 0),
    updatedReplicas: desired,
    availableReplicas: ready,
    currentRevision: rollout.ready ? revision : (previous.currentRevision ?? revision),
    updateRevision: revision,
    collisionCount: 0,
  };
  if (ready === 0) delete status.readyReplicas;
  return { status, requeueAfterMs: rollout.requeueAfterMs };
}

function daemonSetStatus(object: JsonObject, context: ReconcileContext): ReconcileResult {
  const nodes = context.options.nodeCount;
  const rollout = rolloutOf(object, nodes, 'status.numberAvailable', context);
  const ready = rollout.ready ? nodes : 0;
  const status: JsonObject = {
    currentNumberScheduled: nodes,
    numberMisscheduled: 0,
    desiredNumberScheduled: nodes,
    numberReady: ready,
    observedGeneration: rollout.generation,
    updatedNumberScheduled: nodes,
    numberAvailable: ready,
  };
  if (nodes - ready > 0) status.numberUnavailable = nodes - ready;
  return { status, requeueAfterMs: rollout.requeueAfterMs };
}

function replicaSetStatus(object: JsonObject, context: ReconcileContext): ReconcileResult {
  const desired = numberAt(object, 'spec.replicas', 1);
  const rollout = rolloutOf(object, desired, 'status.availableReplicas', context);
  const ready = rollout.ready ? desired : 0;
  const status: JsonObject = { replicas: desired, fullyLabeledReplicas: desired, readyReplicas: ready, availableReplicas: ready, observedGeneration: rollout.generation };
  if (ready === 0) {
    delete status.readyReplicas;
    delete status.availableReplicas;
  }
  return { status, requeueAfterMs: rollout.requeueAfterMs };
}

export const deploymentController: Controller = { groupResource: 'deployments.apps', reconcile: deploymentStatus };
export const statefulSetController: Controller = { groupResource: 'statefulsets.apps', reconcile: statefulSetStatus };
export const daemonSetController: Controller = { groupResource: 'daemonsets.apps', reconcile: daemonSetStatus };
export const replicaSetController: Controller = { groupResource: 'replicasets.apps', reconcile: replicaSetStatus };
