/**
 * The simulated kube-controller-manager and kubelet of one cluster: watches the objects each
 * controller owns and writes their status, as the real controllers do, through the status
 * subresource with their own field manager.
 */
import { controllerManager, type SimulatedCluster } from '../cluster';
import { StatusError } from '../errors';
import type { JsonObject } from '../json';
import { metadataOf, nameOf, namespaceOf, timestamp } from '../object-meta';
import { objectKey, type StoredChange } from '../storage';
import { jobController } from './job.controller';
import { namespaceController } from './namespace.controller';
import { persistentVolumeClaimController, podController } from './pod.controller';
import { serviceController } from './service.controller';
import { daemonSetController, deploymentController, replicaSetController, statefulSetController } from './workload.controller';

export interface ControllerOptions {
  /** How long after a change workloads, pods and load balancers become ready. */
  readyDelayMs: number;
  /** Containers whose image matches never start, so their rollouts never complete. */
  brokenImagePattern: RegExp;
  /** When a rollout that cannot become available is declared failed (capped by `spec.progressDeadlineSeconds`). */
  progressDeadlineMs: number;
  /** How long a Job runs before it completes (or fails, with a broken image). */
  jobDurationMs: number;
  /** Nodes a DaemonSet schedules onto. */
  nodeCount: number;
}

/** Defaults: ready after 100 ms, images containing "broken" never start. */
export function defaultControllerOptions(): ControllerOptions {
  return { readyDelayMs: 100, brokenImagePattern: /broken/, progressDeadlineMs: 1_000, jobDurationMs: 200, nodeCount: 1 };
}

/** What a controller sees when it looks at one object. */
export interface ReconcileContext {
  options: ControllerOptions;
  /** Milliseconds since the controller first saw the object's current generation (or version, for kinds without one). */
  elapsedMs: number;
  now: string;
  cluster: SimulatedCluster;
}

export interface ReconcileResult {
  /** The status to write (unchanged status is not written). */
  status?: JsonObject;
  /** Look again after this long, while the object is still moving. */
  requeueAfterMs?: number;
}

/** One controller: the objects it watches and what it does with each. */
export interface Controller {
  groupResource: string;
  reconcile(object: JsonObject, context: ReconcileContext): ReconcileResult;
}

const controllers: readonly Controller[] = [
  deploymentController,
  statefulSetController,
  daemonSetController,
  replicaSetController,
  jobController,
  serviceController,
  podController,
  persistentVolumeClaimController,
  namespaceController,
];

export class ControllerManager {
  private readonly options: ControllerOptions;
  private readonly unsubscribes: Array<() => void> = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  // When each object's current generation was first seen, keyed by uid.
  private readonly seen = new Map<string, { generation: string; at: number }>();
  private stopped = false;

  constructor(
    private readonly cluster: SimulatedCluster,
    options: Partial<ControllerOptions>,
  ) {
    this.options = { ...defaultControllerOptions(), ...options };
    const from = cluster.store.currentRevision();
    for (const controller of controllers) {
      for (const object of cluster.store.list(controller.groupResource)) this.schedule(controller, object, 0);
      this.unsubscribes.push(cluster.store.subscribe(controller.groupResource, from, (change) => this.onChange(controller, change)));
    }
  }

  /** Stops watching and cancels every pending reconcile. */
  stop(): void {
    this.stopped = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private onChange(controller: Controller, change: StoredChange): void {
    if (change.type === 'DELETED') {
      this.seen.delete(metadataOf(change.object).uid as string);
      return;
    }
    this.schedule(controller, change.object, 0);
  }

  // Reconciles run later, never inside the store's notification, so every watcher sees events in order.
  private schedule(controller: Controller, object: JsonObject, delayMs: number): void {
    if (this.stopped) return;
    const key = `${controller.groupResource}/${objectKey(namespaceOf(object), nameOf(object))}`;
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.reconcile(controller, namespaceOf(object), nameOf(object));
      }, delayMs),
    );
  }

  private reconcile(controller: Controller, namespace: string, name: string): void {
    const current = this.cluster.store.get(controller.groupResource, namespace, name);
    const type = this.cluster.typeOf(controller.groupResource);
    if (!current || !type || metadataOf(current).deletionTimestamp) return;
    const metadata = metadataOf(current);
    const uid = metadata.uid as string;
    const generation = String(metadata.generation ?? metadata.resourceVersion);
    let seen = this.seen.get(uid);
    if (!seen || seen.generation !== generation) {
      seen = { generation, at: Date.now() };
      this.seen.set(uid, seen);
    }
    try {
      const result = controller.reconcile(current, { options: this.options, elapsedMs: Date.now() - seen.at, now: timestamp(), cluster: this.cluster });
      if (result.status) this.cluster.update(type, namespace, name, { ...current, status: result.status }, { fieldManager: controllerManager }, 'status');
      if (result.requeueAfterMs !== undefined) this.schedule(controller, current, Math.max(0, result.requeueAfterMs));
    } catch (error) {
      // A refused write means the object moved on (or its namespace is going); its next change schedules another look.
      if (!(error instanceof StatusError)) throw error;
    }
  }
}
