import type { JsonObject } from '../json';

/** A kubectl command that writes protobuf, and the objects it reads first. */
export interface ProtobufCommand {
  args: readonly string[];
  existing?: readonly JsonObject[];
  /**
   * kubectl's JSON keeps status fields that are Go values without omitempty (`desiredReplicas: 0`);
   * decoded, their zeros are left out, so the status is `{}` (the server sets status anyway).
   */
  zerosInStatus?: true;
}

/** The object a command's protobuf body decodes to, given what kubectl printed for it. */
export function decodedForm(command: ProtobufCommand, printed: Record<string, unknown>): Record<string, unknown> {
  return command.zerosInStatus ? { ...printed, status: {} } : printed;
}

const web: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
};

const nightly: JsonObject = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly', namespace: 'default' },
  spec: {
    schedule: '0 3 * * *',
    jobTemplate: { spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: 'busybox:1.36', args: ['date'] }] } } } },
  },
};

/** The kubectl commands whose protobuf writes are the decoder's fixtures (src/__fixtures__/protobuf/NAME.pb). */
export const protobufCommands: Readonly<Record<string, ProtobufCommand>> = {
  'create-namespace': { args: ['create', 'namespace', 'shop'] },
  'create-configmap': { args: ['create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=retries=3'] },
  'create-secret-generic': { args: ['create', 'secret', 'generic', 'credentials', '--from-literal=user=admin', '--from-literal=password=s3cr3t'] },
  'create-deployment': { args: ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80'] },
  'create-deployment-zero-replicas': { args: ['create', 'deployment', 'idle', '--image=nginx:1.27', '--replicas=0'] },
  'create-service-clusterip': { args: ['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '--tcp=443'] },
  'create-secret-docker-registry': { args: ['create', 'secret', 'docker-registry', 'registry', '--docker-server=registry.example.com', '--docker-username=ci', '--docker-password=token'] },
  'create-serviceaccount': { args: ['create', 'serviceaccount', 'builder'] },
  'create-job': { args: ['create', 'job', 'migrate', '--image=busybox:1.36', '--', 'sh', '-c', 'echo done'] },
  'create-job-from-cronjob': { args: ['create', 'job', 'report-now', '--from=cronjob/nightly'], existing: [nightly] },
  'create-cronjob': { args: ['create', 'cronjob', 'nightly', '--image=busybox:1.36', '--schedule=0 3 * * *', '--', 'date'] },
  'create-quota': { args: ['create', 'quota', 'compute', '--hard=cpu=1500m,memory=1Gi,pods=10', '--scopes=NotTerminating'] },
  'create-rolebinding': { args: ['create', 'rolebinding', 'readers', '--clusterrole=view', '--user=alice', '--serviceaccount=default:builder'] },
  'create-ingress': { args: ['create', 'ingress', 'shop', '--class=nginx', '--rule=shop.example.com/api*=web:8080,tls=shop-tls'] },
  'autoscale-deployment': { args: ['autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=70'], existing: [web], zerosInStatus: true },
  'create-poddisruptionbudget': { args: ['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=50%'], zerosInStatus: true },
};
