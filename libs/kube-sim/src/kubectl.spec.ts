/**
 * The same behaviours through the reference kubectl (1.33): if kubectl cannot tell the simulator
 * from a real API server, neither can a user. Skipped, saying why, where kubectl is unavailable.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeProtobufBody } from './protobuf-body';
import { KubeSimServer } from './server';
import { recordKubectlWrite } from './testing/kubectl-recorder';
import { decodedForm, protobufCommands } from './testing/protobuf-commands';

// eslint-disable-next-line @nx/enforce-module-boundaries -- tools/ is plain Node outside the Nx graph; the reference kubectl lives there
const kubectl: { path: string | null; reason: string | null } = require('../../../tools/reference-binaries').referenceBinary('kubectl');
if (!kubectl.path) console.log(`kube-sim kubectl suite skipped: ${kubectl.reason}`);
const describeWithKubectl = kubectl.path ? describe : describe.skip;

const run = promisify(execFile);

describeWithKubectl('the simulator through kubectl', () => {
  let server: KubeSimServer;
  let directory: string;
  let environment: NodeJS.ProcessEnv;

  /** Runs kubectl; resolves with stdout, or with the exit code and stderr when it fails. */
  const kube = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(kubectl.path!, args, { env: environment });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const manifest = (name: string, text: string): string => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };
  const deploymentYaml = (name: string, image: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}, suite: kubectl}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: app
        image: ${image}
        ports: [{containerPort: 80}]
`;

  beforeAll(async () => {
    server = new KubeSimServer({ controllers: { readyDelayMs: 50, progressDeadlineMs: 300 } });
    await server.start(0);
    server.addCluster('kubectl');
    directory = mkdtempSync(join(tmpdir(), 'kube-sim-kubectl-'));
    await server.writeKubeconfig(join(directory, 'kubeconfig'));
    environment = { PATH: process.env.PATH, HOME: directory, KUBECONFIG: join(directory, 'kubeconfig'), KUBECACHEDIR: join(directory, 'cache') };
  });
  afterAll(async () => {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('reports the server version', async () => {
    const { stdout } = await kube('version', '-o', 'json');
    expect(JSON.parse(stdout).serverVersion).toMatchObject({ major: '1', minor: '33' });
  });

  it('applies server-side, and re-applying leaves the object untouched', async () => {
    const file = manifest('web.yaml', deploymentYaml('web', 'nginx:1.27'));
    expect(await kube('apply', '--server-side', '-f', file)).toMatchObject({ code: 0, stdout: 'deployment.apps/web serverside-applied\n' });
    // Let the controller write its status first: that write changes the resourceVersion too.
    expect(await kube('rollout', 'status', 'deployment/web', '--timeout=20s')).toMatchObject({ code: 0 });
    const before = (await kube('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.resourceVersion}')).stdout;
    await kube('apply', '--server-side', '-f', file);
    expect((await kube('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.resourceVersion}')).stdout).toBe(before);
  });

  it('waits for a rollout and for the Available condition', async () => {
    expect(await kube('rollout', 'status', 'deploy/web', '--timeout=20s')).toMatchObject({ code: 0, stdout: expect.stringContaining('deployment "web" successfully rolled out') });
    expect(await kube('wait', '--for=condition=Available', 'deploy/web', '--timeout=20s')).toMatchObject({ code: 0, stdout: 'deployment.apps/web condition met\n' });
  });

  it('lists by label as YAML with the fields a real server defaults', async () => {
    const { stdout } = await kube('get', 'deploy', '-l', 'suite=kubectl', '-o', 'yaml');
    expect(stdout).toContain('kind: List');
    expect(stdout).toContain('progressDeadlineSeconds: 600');
    expect(stdout).toContain('terminationMessagePolicy: File');
  });

  it('patches with merge, JSON and strategic merge patches', async () => {
    expect((await kube('patch', 'deploy', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":3}}')).stdout).toBe('deployment.apps/web patched\n');
    expect((await kube('patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]')).stdout).toBe('deployment.apps/web patched\n');
    await kube('patch', 'deploy', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}');
    const { stdout } = await kube('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].image}');
    expect(stdout).toBe('4 app nginx:1.28');
    expect((await kube('patch', 'deploy', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":4}}')).stdout).toBe('deployment.apps/web patched (no change)\n');
  });

  it('refuses a server-side apply over fields kubectl-patch took, until forced', async () => {
    const file = join(directory, 'web.yaml');
    const conflict = await kube('apply', '--server-side', '-f', file);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Apply failed with 2 conflicts: conflicts with "kubectl-patch" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="app"].image');
    expect((await kube('apply', '--server-side', '--force-conflicts', '-f', file)).code).toBe(0);
    const { stdout } = await kube('get', 'deploy', 'web', '--show-managed-fields', '-o', 'jsonpath={.spec.replicas} {range .metadata.managedFields[*]}{.manager}/{.operation} {end}');
    expect(stdout).toBe('2 kubectl/Apply kube-controller-manager/Update ');
  });

  it('scales through the scale subresource', async () => {
    expect((await kube('scale', 'deploy/web', '--replicas=5')).stdout).toBe('deployment.apps/web scaled\n');
    expect((await kube('rollout', 'status', 'deploy/web', '--timeout=20s')).code).toBe(0);
    expect((await kube('get', 'deploy', 'web', '-o', 'jsonpath={.status.availableReplicas}')).stdout).toBe('5');
  });

  it('reports a rollout of a broken image as failed', async () => {
    await kube('apply', '--server-side', '-f', manifest('broken.yaml', deploymentYaml('broken', 'example.com/broken:1')));
    const { code, stderr } = await kube('rollout', 'status', 'deploy/broken', '--timeout=20s');
    expect(code).not.toBe(0);
    expect(stderr).toContain('deployment "broken" exceeded its progress deadline');
  });

  it('prints tables with the columns kubectl shows for the kind', async () => {
    const { stdout } = await kube('get', 'deploy', 'web');
    expect(stdout.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(stdout).toMatch(/^web\s+5\/5\s+5\s+5\s+\d+s$/m);
  });

  it('streams changes with get --watch', async () => {
    const file = manifest('watched.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, labels: {watched: "yes"}}\ndata: {a: b}\n');
    const watcher = spawn(kubectl.path!, ['get', 'configmaps', '-l', 'watched=yes', '--watch', '-o', 'name'], { env: environment });
    const lines: string[] = [];
    const seen = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => lines.length >= count && resolve();
        watcher.stdout.on('data', (chunk: Buffer) => {
          lines.push(...chunk.toString().split('\n').filter(Boolean));
          check();
        });
        check();
      });
    await kube('create', '-f', file);
    await seen(1);
    await kube('label', 'configmap', 'watched', 'extra=yes');
    await seen(2);
    watcher.kill();
    expect(lines.slice(0, 2)).toEqual(['configmap/watched', 'configmap/watched']);
  });

  it('deletes and waits until the object is gone', async () => {
    expect((await kube('delete', 'deploy', 'web')).stdout).toBe('deployment.apps "web" deleted\n');
    const { code, stderr } = await kube('get', 'deploy', 'web');
    expect(code).not.toBe(0);
    expect(stderr).toContain('Error from server (NotFound): deployments.apps "web" not found');
  });

  describe('kubectl create and autoscale, which write protobuf', () => {
    const created = async (...args: string[]) => {
      const result = await kube(...args);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      return result.stdout;
    };
    const live = async (...args: string[]): Promise<Record<string, any>> => JSON.parse((await kube('get', ...args, '-o', 'json')).stdout);

    it('creates a namespace', async () => {
      expect(await created('create', 'namespace', 'team-a')).toBe('namespace/team-a created\n');
      expect(await live('namespace', 'team-a')).toMatchObject({
        metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    });

    it('creates a ConfigMap from literals, owned by kubectl-create', async () => {
      expect(await created('create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=retries=3')).toBe('configmap/settings created\n');
      const configMap = await live('configmap', 'settings', '--show-managed-fields');
      expect(configMap.data).toEqual({ mode: 'fast', retries: '3' });
      expect(configMap.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1' })]);
    });

    it('creates a generic Secret, its data base64 as given', async () => {
      expect(await created('create', 'secret', 'generic', 'credentials', '--from-literal=user=admin', '--from-literal=password=s3cr3t')).toBe('secret/credentials created\n');
      const secret = await live('secret', 'credentials');
      expect(secret).toMatchObject({ type: 'Opaque', data: { user: Buffer.from('admin').toString('base64'), password: Buffer.from('s3cr3t').toString('base64') } });
      expect(Object.keys(secret.data)).toHaveLength(2);
    });

    it('creates a Deployment with its image, replicas and port, which then rolls out', async () => {
      expect(await created('create', 'deployment', 'shop', '--image=nginx:1.27', '--replicas=3', '--port=80')).toBe('deployment.apps/shop created\n');
      const deployment = await live('deployment', 'shop');
      expect(deployment.metadata.labels).toEqual({ app: 'shop' });
      expect(deployment.spec).toMatchObject({ replicas: 3, selector: { matchLabels: { app: 'shop' } }, strategy: { type: 'RollingUpdate' }, template: { metadata: { labels: { app: 'shop' } } } });
      expect(deployment.spec.template.spec.containers).toEqual([
        expect.objectContaining({ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {}, imagePullPolicy: 'IfNotPresent' }),
      ]);
      expect((await kube('rollout', 'status', 'deployment/shop', '--timeout=20s')).code).toBe(0);
    });

    it('creates a ClusterIP Service with its ports, selecting by the name', async () => {
      expect(await created('create', 'service', 'clusterip', 'shop', '--tcp=80:8080', '--tcp=443')).toBe('service/shop created\n');
      const service = await live('service', 'shop');
      expect(service.metadata.labels).toEqual({ app: 'shop' });
      expect(service.spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'shop' }, clusterIP: expect.stringMatching(/^10\.96\./) });
      expect(service.spec.ports).toEqual([
        { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: '443', protocol: 'TCP', port: 443, targetPort: 443 },
      ]);
    });

    it('creates a ServiceAccount', async () => {
      expect(await created('create', 'serviceaccount', 'builder')).toBe('serviceaccount/builder created\n');
      expect((await live('serviceaccount', 'builder')).metadata).toMatchObject({ name: 'builder', namespace: 'default', uid: expect.any(String) });
    });

    it('creates a Job with its command and restart policy', async () => {
      expect(await created('create', 'job', 'migrate', '--image=busybox:1.36', '--', 'sh', '-c', 'echo done')).toBe('job.batch/migrate created\n');
      const job = await live('job', 'migrate');
      expect(job.spec.template.spec).toMatchObject({ restartPolicy: 'Never', containers: [expect.objectContaining({ name: 'migrate', image: 'busybox:1.36', command: ['sh', '-c', 'echo done'] })] });
      expect(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(job.metadata.uid);
    });

    it('creates a CronJob with its schedule and job template', async () => {
      expect(await created('create', 'cronjob', 'nightly', '--image=busybox:1.36', '--schedule=0 3 * * *', '--', 'date')).toBe('cronjob.batch/nightly created\n');
      const cronJob = await live('cronjob', 'nightly');
      expect(cronJob.spec).toMatchObject({ schedule: '0 3 * * *', concurrencyPolicy: 'Allow', jobTemplate: { metadata: { name: 'nightly' }, spec: { template: { spec: { restartPolicy: 'OnFailure' } } } } });
      expect(cronJob.spec.jobTemplate.spec.template.spec.containers).toEqual([expect.objectContaining({ name: 'nightly', image: 'busybox:1.36', command: ['date'] })]);
    });

    it('autoscales a Deployment with an autoscaling/v2 HorizontalPodAutoscaler', async () => {
      expect(await created('autoscale', 'deployment', 'shop', '--min=2', '--max=5', '--cpu-percent=70')).toBe('horizontalpodautoscaler.autoscaling/shop autoscaled\n');
      expect((await live('hpa', 'shop')).spec).toEqual({
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      });
    });

    it('runs a Pod with its labels, env and port (kubectl run writes JSON)', async () => {
      expect(await created('run', 'probe', '--image=nginx:1.27', '--labels=app=probe,tier=web', '--env=MODE=fast', '--port=8080')).toBe('pod/probe created\n');
      const pod = await live('pod', 'probe');
      expect(pod.metadata.labels).toEqual({ app: 'probe', tier: 'web' });
      expect(pod.spec.containers).toEqual([expect.objectContaining({ name: 'probe', image: 'nginx:1.27', env: [{ name: 'MODE', value: 'fast' }], ports: [{ containerPort: 8080, protocol: 'TCP' }] })]);
    });

    it('keeps replicas: 0 and stores nothing on a server-side dry run', async () => {
      const { code, stdout } = await kube('create', 'deployment', 'idle', '--image=nginx:1.27', '--replicas=0', '--dry-run=server', '-o', 'json');
      expect(code).toBe(0);
      expect(JSON.parse(stdout).spec).toMatchObject({ replicas: 0, progressDeadlineSeconds: 600 });
      expect((await kube('get', 'deployment', 'idle')).stderr).toContain('Error from server (NotFound): deployments.apps "idle" not found');
    });

    it('reports the server refusing a protobuf write as it does a JSON one', async () => {
      const again = await kube('create', 'configmap', 'settings', '--from-literal=mode=slow');
      expect(again.code).not.toBe(0);
      expect(again.stderr).toBe('error: failed to create configmap: configmaps "settings" already exists\n');
      const invalid = await kube('create', 'configmap', 'Bad_Name', '--from-literal=a=b');
      expect(invalid.code).not.toBe(0);
      expect(invalid.stderr).toContain('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"');
    });
  });

  it('serves custom resources once their CRD is Established, with their printer columns', async () => {
    const crd = manifest(
      'crd.yaml',
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns: [{name: Size, type: integer, jsonPath: .spec.size}]
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
`,
    );
    expect((await kube('apply', '--server-side', '-f', crd)).code).toBe(0);
    expect((await kube('wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=20s')).code).toBe(0);
    expect((await kube('apply', '--server-side', '-f', manifest('widget.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n'))).code).toBe(0);
    const { stdout } = await kube('get', 'wg');
    expect(stdout).toMatch(/^NAME\s+SIZE\s+AGE\nw1\s+3\s+\d+s\n$/);
    expect((await kube('delete', 'crd', 'widgets.example.com')).code).toBe(0);
    expect((await kube('get', 'widgets.example.com')).code).not.toBe(0);
  });

  it('refuses at admission what a ValidatingAdmissionPolicy bound with Deny forbids, naming the policy, the binding and the message', async () => {
    const policy = manifest(
      'replica-limit.yaml',
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - {expression: "object.spec.replicas <= 5", message: "at most 5 replicas"}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replica-limit-everywhere}
spec: {policyName: replica-limit, validationActions: [Deny]}
`,
    );
    expect((await kube('apply', '--server-side', '-f', policy)).code).toBe(0);
    const refused = await kube('apply', '--server-side', '-f', manifest('big.yaml', deploymentYaml('big', 'nginx:1.27', 8)));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-everywhere' denied request: at most 5 replicas`);
    expect((await kube('get', 'deploy', 'big')).code).not.toBe(0);
    // Within the limit it is admitted. The scale subresource is a resource the policy does not match, as in Kubernetes; a patch of the Deployment is refused.
    expect((await kube('apply', '--server-side', '-f', manifest('small.yaml', deploymentYaml('small', 'nginx:1.27', 3)))).code).toBe(0);
    expect((await kube('scale', 'deploy/small', '--replicas=9')).code).toBe(0);
    expect((await kube('patch', 'deploy/small', '--type=merge', '-p', '{"spec":{"replicas":9}}')).stderr).toContain('denied request: at most 5 replicas');
    expect((await kube('delete', '-f', policy)).code).toBe(0);
    expect((await kube('apply', '--server-side', '-f', manifest('big.yaml', deploymentYaml('big', 'nginx:1.27', 8)))).code).toBe(0);
  });
});

describeWithKubectl('protobuf bodies kubectl writes', () => {
  const commands = Object.values(protobufCommands).map((command) => [command.args.join(' '), command] as const);

  it.each(commands)('decodes what `kubectl %s` sends into the JSON kubectl prints for it', async (_args, command) => {
    const { write, printed } = await recordKubectlWrite(kubectl.path!, command.args, command.existing);
    expect(write).toMatchObject({ method: 'POST', contentType: 'application/vnd.kubernetes.protobuf', accept: 'application/vnd.kubernetes.protobuf,application/json' });
    expect(decodeProtobufBody(write.body)).toEqual(decodedForm(command, printed));
  });
});
