/**
 * The defaults the API server fills in (k8s.io/kubernetes pkg/apis/<group>/v1/defaults.go and the
 * registry strategies), so that clients see the same server-set fields a real cluster returns.
 * Every function mutates the fresh object it is given and is idempotent.
 */
import { isPlainObject, type JsonObject } from './json';
import type { ResourceType } from './resource-types';

/** Cluster-wide allocations defaulting needs (Service IPs and node ports). */
export interface Allocators {
  clusterIP(): string;
  nodePort(): number;
}

type Defaulter = (object: JsonObject, allocators: Allocators) => void;

function objectAt(parent: JsonObject, key: string): JsonObject {
  if (!isPlainObject(parent[key])) parent[key] = {};
  return parent[key] as JsonObject;
}

function setDefault(object: JsonObject, key: string, value: unknown): void {
  if (object[key] === undefined || object[key] === null) object[key] = value;
}

function eachObject(list: unknown, visit: (item: JsonObject) => void): void {
  if (Array.isArray(list)) for (const item of list) if (isPlainObject(item)) visit(item);
}

function defaultProbe(probe: unknown): void {
  if (!isPlainObject(probe)) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  if (isPlainObject(probe.httpGet)) setDefault(probe.httpGet, 'scheme', 'HTTP');
}

function defaultContainer(container: JsonObject): void {
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  const image = typeof container.image === 'string' ? container.image : '';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tagged = lastSegment.includes(':') && !lastSegment.endsWith(':latest');
  setDefault(container, 'imagePullPolicy', tagged || image.includes('@') ? 'IfNotPresent' : 'Always');
  setDefault(container, 'resources', {});
  eachObject(container.ports, (port) => setDefault(port, 'protocol', 'TCP'));
  eachObject(container.env, (env) => {
    if (isPlainObject(env.valueFrom) && isPlainObject(env.valueFrom.fieldRef)) setDefault(env.valueFrom.fieldRef, 'apiVersion', 'v1');
  });
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
}

function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  eachObject(spec.containers, defaultContainer);
  eachObject(spec.initContainers, defaultContainer);
  eachObject(spec.volumes, (volume) => {
    for (const key of ['configMap', 'secret']) if (isPlainObject(volume[key])) setDefault(volume[key] as JsonObject, 'defaultMode', 420);
    if (isPlainObject(volume.emptyDir) || volume.emptyDir === null) volume.emptyDir = volume.emptyDir ?? {};
  });
}

function defaultPodTemplate(template: unknown): void {
  if (!isPlainObject(template)) return;
  objectAt(template, 'metadata');
  defaultPodSpec(objectAt(template, 'spec'));
}

function defaultPvcSpec(spec: JsonObject): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
}

const defaulters: Record<string, Defaulter> = {
  Namespace(object) {
    const metadata = objectAt(object, 'metadata');
    objectAt(metadata, 'labels')['kubernetes.io/metadata.name'] = metadata.name;
    const spec = objectAt(object, 'spec');
    setDefault(spec, 'finalizers', ['kubernetes']);
    setDefault(objectAt(object, 'status'), 'phase', 'Active');
  },
  Secret(object) {
    setDefault(object, 'type', 'Opaque');
    if (isPlainObject(object.stringData)) {
      const data = objectAt(object, 'data');
      for (const [key, value] of Object.entries(object.stringData)) data[key] = Buffer.from(String(value)).toString('base64');
      delete object.stringData;
    }
  },
  Service(object, allocators) {
    const spec = objectAt(object, 'spec');
    setDefault(spec, 'type', 'ClusterIP');
    setDefault(spec, 'sessionAffinity', 'None');
    if (spec.type === 'ExternalName') return;
    setDefault(spec, 'clusterIP', allocators.clusterIP());
    setDefault(spec, 'clusterIPs', [spec.clusterIP]);
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    const exposed = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    if (exposed) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
    if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
    eachObject(spec.ports, (port) => {
      setDefault(port, 'protocol', 'TCP');
      setDefault(port, 'targetPort', port.port);
      if (exposed) setDefault(port, 'nodePort', allocators.nodePort());
    });
    objectAt(object, 'status');
    if (!isPlainObject((object.status as JsonObject).loadBalancer)) (object.status as JsonObject).loadBalancer = {};
  },
  Pod(object) {
    const spec = objectAt(object, 'spec');
    defaultPodSpec(spec);
    setDefault(spec, 'enableServiceLinks', true);
    setDefault(spec, 'serviceAccountName', 'default');
    setDefault(spec, 'serviceAccount', spec.serviceAccountName);
    setDefault(spec, 'priority', 0);
    setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
    setDefault(objectAt(object, 'status'), 'phase', 'Pending');
  },
  PersistentVolumeClaim(object) {
    defaultPvcSpec(objectAt(object, 'spec'));
    setDefault(objectAt(object, 'status'), 'phase', 'Pending');
  },
  Deployment(object) {
    const spec = objectAt(object, 'spec');
    setDefault(spec, 'replicas', 1);
    const strategy = objectAt(spec, 'strategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      const rollingUpdate = objectAt(strategy, 'rollingUpdate');
      setDefault(rollingUpdate, 'maxUnavailable', '25%');
      setDefault(rollingUpdate, 'maxSurge', '25%');
    }
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
    defaultPodTemplate(spec.template);
  },
  StatefulSet(object) {
    const spec = objectAt(object, 'spec');
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'podManagementPolicy', 'OrderedReady');
    const strategy = objectAt(spec, 'updateStrategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') setDefault(objectAt(strategy, 'rollingUpdate'), 'partition', 0);
    setDefault(spec, 'revisionHistoryLimit', 10);
    const retention = objectAt(spec, 'persistentVolumeClaimRetentionPolicy');
    setDefault(retention, 'whenDeleted', 'Retain');
    setDefault(retention, 'whenScaled', 'Retain');
    eachObject(spec.volumeClaimTemplates, (claim) => {
      setDefault(claim, 'apiVersion', 'v1');
      setDefault(claim, 'kind', 'PersistentVolumeClaim');
      defaultPvcSpec(objectAt(claim, 'spec'));
      setDefault(objectAt(claim, 'status'), 'phase', 'Pending');
    });
    defaultPodTemplate(spec.template);
  },
  DaemonSet(object) {
    const spec = objectAt(object, 'spec');
    const strategy = objectAt(spec, 'updateStrategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      const rollingUpdate = objectAt(strategy, 'rollingUpdate');
      setDefault(rollingUpdate, 'maxUnavailable', 1);
      setDefault(rollingUpdate, 'maxSurge', 0);
    }
    setDefault(spec, 'revisionHistoryLimit', 10);
    defaultPodTemplate(spec.template);
  },
  ReplicaSet(object) {
    const spec = objectAt(object, 'spec');
    setDefault(spec, 'replicas', 1);
    defaultPodTemplate(spec.template);
  },
  Job(object) {
    const spec = objectAt(object, 'spec');
    setDefault(spec, 'completions', 1);
    setDefault(spec, 'parallelism', 1);
    setDefault(spec, 'backoffLimit', 6);
    setDefault(spec, 'completionMode', 'NonIndexed');
    setDefault(spec, 'suspend', false);
    setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
    defaultPodTemplate(spec.template);
    // The job controller's selector on its pods, generated from the uid (PrepareForCreate).
    const metadata = objectAt(object, 'metadata');
    if (spec.selector === undefined && spec.manualSelector !== true && typeof metadata.uid === 'string' && isPlainObject(spec.template)) {
      spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': metadata.uid } };
      const labels = objectAt(objectAt(spec.template, 'metadata'), 'labels');
      labels['batch.kubernetes.io/controller-uid'] = metadata.uid;
      labels['batch.kubernetes.io/job-name'] = metadata.name;
      labels['controller-uid'] = metadata.uid;
      labels['job-name'] = metadata.name;
    }
  },
  CronJob(object) {
    const spec = objectAt(object, 'spec');
    setDefault(spec, 'concurrencyPolicy', 'Allow');
    setDefault(spec, 'suspend', false);
    setDefault(spec, 'successfulJobsHistoryLimit', 3);
    setDefault(spec, 'failedJobsHistoryLimit', 1);
    const jobTemplate = objectAt(spec, 'jobTemplate');
    objectAt(jobTemplate, 'metadata');
    const jobSpec = objectAt(jobTemplate, 'spec');
    defaultPodTemplate(jobSpec.template);
  },
  NetworkPolicy(object) {
    const spec = objectAt(object, 'spec');
    setDefault(spec, 'policyTypes', Array.isArray(spec.egress) ? ['Ingress', 'Egress'] : ['Ingress']);
    for (const direction of ['ingress', 'egress']) eachObject(spec[direction], (rule) => eachObject(rule.ports, (port) => setDefault(port, 'protocol', 'TCP')));
  },
  HorizontalPodAutoscaler(object) {
    setDefault(objectAt(object, 'spec'), 'minReplicas', 1);
  },
  CustomResourceDefinition(object) {
    const spec = objectAt(object, 'spec');
    setDefault(objectAt(spec, 'conversion'), 'strategy', 'None');
  },
  ValidatingAdmissionPolicy(object) {
    const spec = objectAt(object, 'spec');
    setDefault(spec, 'failurePolicy', 'Fail');
    const constraints = objectAt(spec, 'matchConstraints');
    setDefault(constraints, 'matchPolicy', 'Equivalent');
    setDefault(constraints, 'namespaceSelector', {});
    setDefault(constraints, 'objectSelector', {});
  },
};

/** Fills in the server defaults of a built-in kind in place; custom resources are defaulted from their schema instead. */
export function applyDefaults(type: ResourceType, object: JsonObject, allocators: Allocators): void {
  if (!type.definedBy) defaulters[type.kind]?.(object, allocators);
}
