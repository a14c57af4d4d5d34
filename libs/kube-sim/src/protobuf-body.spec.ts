import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { StatusError } from './errors';
import { decodeProtobufBody, isProtobufContentType, protobufSchema } from './protobuf-body';
import { KubeSimServer } from './server';
import { decodedForm, protobufCommands } from './testing/protobuf-commands';

const fixtures = join(__dirname, '__fixtures__', 'protobuf');
const fixture = (name: string) => ({
  body: readFileSync(join(fixtures, `${name}.pb`)),
  printed: JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8')) as Record<string, any>,
});

const message = (typeName: string): DescMessage => protobufSchema().registry.getMessage(typeName)!;
const encode = (typeName: string, init: Record<string, unknown>): Uint8Array => toBinary(message(typeName), create(message(typeName), init));
const prefix = Buffer.from('k8s\0', 'latin1');
/** A protobuf body as Go clients write it: the prefix, then runtime.Unknown around `raw`. */
const body = (apiVersion: string, kind: string, raw: Uint8Array, envelope: Record<string, unknown> = {}): Buffer =>
  Buffer.concat([prefix, encode('k8s.io.apimachinery.pkg.runtime.Unknown', { typeMeta: { apiVersion, kind }, raw, ...envelope })]);

const failure = (decode: () => unknown): StatusError => {
  try {
    decode();
  } catch (error) {
    if (error instanceof StatusError) return error;
    throw error;
  }
  throw new Error('expected the body to be refused');
};

describe('protobuf request bodies', () => {
  const commands = Object.entries(protobufCommands).map(([name, command]) => [command.args.join(' '), name, command] as const);

  it.each(commands)('decodes what `kubectl %s` sends into the JSON kubectl prints for it', (_args, name, command) => {
    const { body: bytes, printed } = fixture(name);
    expect(decodeProtobufBody(bytes)).toEqual(decodedForm(command, printed));
  });

  it("leaves out a Go value field's zero even where Go's JSON writes it, as the API server reads both alike", () => {
    const { body: bytes, printed } = fixture('create-poddisruptionbudget');
    const decoded = decodeProtobufBody(bytes);
    expect(printed.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    expect(decoded).toEqual({ ...printed, status: {} });
  });

  it('keeps the zero of a Go pointer field, such as replicas: 0', () => {
    const decoded = decodeProtobufBody(fixture('create-deployment-zero-replicas').body) as Record<string, any>;
    expect(decoded.spec.replicas).toBe(0);
    expect(decoded.spec.template.spec.containers).toEqual([{ name: 'nginx', image: 'nginx:1.27', resources: {} }]);
  });

  it('writes Secret data as base64, quantities as strings and int-or-string ports as they were given', () => {
    expect((decodeProtobufBody(fixture('create-secret-generic').body) as Record<string, any>).data).toEqual({
      user: Buffer.from('admin').toString('base64'),
      password: Buffer.from('s3cr3t').toString('base64'),
    });
    expect((decodeProtobufBody(fixture('create-quota').body) as Record<string, any>).spec).toEqual({ hard: { cpu: '1500m', memory: '1Gi', pods: '10' }, scopes: ['NotTerminating'] });
    expect((decodeProtobufBody(fixture('create-service-clusterip').body) as Record<string, any>).spec.ports).toEqual([
      { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
      { name: '443', protocol: 'TCP', port: 443, targetPort: 443 },
    ]);
    expect((decodeProtobufBody(fixture('create-poddisruptionbudget').body) as Record<string, any>).spec.minAvailable).toBe('50%');
  });

  it('writes times as RFC 3339 seconds, the zero time as null, and managed fields as their JSON', () => {
    const raw = encode('k8s.io.api.core.v1.ConfigMap', {
      metadata: {
        name: 'dated',
        creationTimestamp: { seconds: 1_700_000_000n },
        deletionTimestamp: {},
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { Raw: Buffer.from('{"f:data":{"f:a":{}}}') } }],
      },
    });
    expect(decodeProtobufBody(body('v1', 'ConfigMap', raw))).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name: 'dated',
        creationTimestamp: '2023-11-14T22:13:20Z',
        deletionTimestamp: null,
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }],
      },
    });
  });

  it('refuses a time RFC 3339 cannot write with 400, naming where it is', () => {
    const raw = encode('k8s.io.api.core.v1.ConfigMap', { metadata: { name: 'late', creationTimestamp: { seconds: 400_000_000_000n } } });
    expect(failure(() => decodeProtobufBody(body('v1', 'ConfigMap', raw)))).toMatchObject({
      code: 400,
      message: 'the protobuf body of ConfigMap (at metadata.creationTimestamp) is malformed: a time 400000000000 seconds from the epoch is outside the years 0 to 9999',
    });
    const huge = encode('k8s.io.api.core.v1.ConfigMap', { metadata: { creationTimestamp: { seconds: 1n << 62n } } });
    expect(failure(() => decodeProtobufBody(body('v1', 'ConfigMap', huge)))).toMatchObject({ code: 400 });
  });

  it('writes embedded Go structs into their parent, as JSON does (volume sources, probe handlers, key selectors)', () => {
    const raw = encode('k8s.io.api.core.v1.Pod', {
      metadata: { name: 'inline' },
      spec: {
        volumes: [{ name: 'config', volumeSource: { configMap: { localObjectReference: { name: 'settings' }, defaultMode: 420 } } }],
        containers: [
          {
            name: 'app',
            image: 'nginx',
            env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { localObjectReference: { name: 'settings' }, key: 'mode', optional: false } } }],
            readinessProbe: { handler: { httpGet: { path: '/', port: { type: 1n, strVal: 'http' } } }, periodSeconds: 5 },
          },
        ],
      },
    });
    expect((decodeProtobufBody(body('v1', 'Pod', raw)) as Record<string, any>).spec).toEqual({
      volumes: [{ name: 'config', configMap: { name: 'settings', defaultMode: 420 } }],
      containers: [
        {
          name: 'app',
          image: 'nginx',
          env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode', optional: false } } }],
          readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
        },
      ],
    });
  });

  it('decodes DeleteOptions whatever version the client names them under', () => {
    const raw = encode('k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions', { gracePeriodSeconds: 0n, propagationPolicy: 'Foreground', dryRun: ['All'], preconditions: { uid: 'u-1' } });
    expect(decodeProtobufBody(body('v1', 'DeleteOptions', raw))).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      gracePeriodSeconds: 0,
      preconditions: { uid: 'u-1' },
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
  });

  it('refuses a body without the k8s prefix with 400', () => {
    const error = failure(() => decodeProtobufBody(Buffer.from('{"kind":"ConfigMap"}')));
    expect(error).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(error.message).toBe('the protobuf body does not start with the Kubernetes prefix "k8s\\0" (6b 38 73 00)');
  });

  it('refuses a truncated envelope or object with 400, naming what is malformed', () => {
    const bytes = fixture('create-configmap').body;
    expect(failure(() => decodeProtobufBody(bytes.subarray(0, 20)))).toMatchObject({ code: 400, message: expect.stringMatching(/^the protobuf body of runtime\.Unknown is malformed: /) });
    const truncated = body('v1', 'ConfigMap', encode('k8s.io.api.core.v1.ConfigMap', { data: { a: 'b' } }).subarray(0, 5));
    expect(failure(() => decodeProtobufBody(truncated))).toMatchObject({ code: 400, message: expect.stringMatching(/^the protobuf body of ConfigMap is malformed: /) });
    expect(failure(() => decodeProtobufBody(Buffer.concat([prefix, Buffer.from([0x0a, 0x00])])))).toMatchObject({
      code: 400,
      message: 'the protobuf body names no apiVersion and kind in its runtime.Unknown typeMeta',
    });
  });

  it('refuses a kind it has no schema for with 415, naming the kind and the kinds it decodes', () => {
    const error = failure(() => decodeProtobufBody(body('apps/v1', 'StatefulSet', new Uint8Array())));
    expect(error).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    expect(error.message).toMatch(/^kube-sim decodes protobuf bodies of v1 Namespace, v1 ConfigMap, .* only, not apps\/v1 StatefulSet: send it as JSON$/);
    expect(failure(() => decodeProtobufBody(body('v1', 'PodSpec', new Uint8Array())))).toMatchObject({ code: 415 });
  });

  it('refuses a field its schema does not hold with 415, naming the field, the message and where it is', () => {
    const raw = encode('k8s.io.api.apps.v1.Deployment', { metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx' }] } } } });
    // Field 99 (varint 1) appended to the Deployment itself.
    const error = failure(() => decodeProtobufBody(body('apps/v1', 'Deployment', Buffer.concat([raw, Buffer.from([0x98, 0x06, 0x01])]))));
    expect(error).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    expect(error.message).toBe("the protobuf body of Deployment has field 99 of k8s.io.api.apps.v1.Deployment, which kube-sim's Kubernetes schema does not hold: send the object as JSON");
    // Field 111 inside the first container: Pod.spec (2) > PodSpec.containers (2) > Container.
    const container = encode('k8s.io.api.core.v1.Container', { name: 'app' });
    const withUnknown = Buffer.concat([Buffer.from(container), Buffer.from([0xf8, 0x06, 0x01])]);
    const spec = Buffer.concat([Buffer.from([0x12, withUnknown.length]), withUnknown]);
    const pod = Buffer.concat([Buffer.from([0x12, spec.length]), spec]);
    expect(failure(() => decodeProtobufBody(body('v1', 'Pod', pod))).message).toBe(
      "the protobuf body of Pod (at spec.containers[0]) has field 111 of k8s.io.api.core.v1.Container, which kube-sim's Kubernetes schema does not hold: send the object as JSON",
    );
  });

  it('answers every truncated or corrupted kubectl body with a decoded object or a 400/415, never another failure', () => {
    const outcomes = new Set<string>();
    for (const name of Object.keys(protobufCommands)) {
      const bytes = fixture(name).body;
      const variants = [...bytes.keys()].flatMap((at) => {
        const flipped = Buffer.from(bytes);
        flipped[at] ^= 0xff;
        return [bytes.subarray(0, at), flipped];
      });
      for (const variant of variants) {
        try {
          decodeProtobufBody(variant);
          outcomes.add('decoded');
        } catch (error) {
          outcomes.add(error instanceof StatusError ? String(error.code) : `unexpected ${String(error)}`);
        }
      }
    }
    expect([...outcomes].sort()).toEqual(['400', '415', 'decoded']);
  });

  it('refuses an encoded or non-protobuf payload in the envelope with 415', () => {
    const raw = encode('k8s.io.api.core.v1.ConfigMap', {});
    expect(failure(() => decodeProtobufBody(body('v1', 'ConfigMap', raw, { contentEncoding: 'gzip' })))).toMatchObject({ code: 415, message: expect.stringContaining('encoded as "gzip"') });
    expect(failure(() => decodeProtobufBody(body('v1', 'ConfigMap', raw, { contentType: 'application/json' })))).toMatchObject({ code: 415, message: expect.stringContaining('wraps "application/json"') });
  });

  it('recognises the protobuf media type with parameters and in any case', () => {
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isProtobufContentType('Application/VND.Kubernetes.Protobuf; charset=binary')).toBe(true);
    expect(isProtobufContentType('application/json')).toBe(false);
    expect(isProtobufContentType(undefined)).toBe(false);
  });
});

describe('protobuf request bodies over HTTP', () => {
  let server: KubeSimServer;
  const post = (path: string, bytes: Uint8Array) =>
    fetch(`${server.clusterUrl('proto')}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf,application/json' },
      body: bytes,
    });

  beforeAll(async () => {
    server = new KubeSimServer({ controllers: false });
    await server.start(0);
    server.addCluster('proto');
  });
  afterAll(() => server.stop());

  it('creates the object a protobuf POST carries and answers in JSON', async () => {
    const response = await post('/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create', fixture('create-configmap').body);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    const created = (await response.json()) as Record<string, any>;
    expect(created).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'fast', retries: '3' } });
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'kubectl-create', operation: 'Update' })]);
    expect(server.cluster('proto').findObject({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'settings' })?.data).toEqual({ mode: 'fast', retries: '3' });
  });

  it('answers a malformed body with a 400 Status and an unknown kind with a 415 Status, never a 500', async () => {
    const malformed = await post('/api/v1/namespaces/default/configmaps', Buffer.concat([prefix, Buffer.from([0x0a, 0xff])]));
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    const statefulSet = await post('/apis/apps/v1/namespaces/default/statefulsets', body('apps/v1', 'StatefulSet', new Uint8Array()));
    expect(statefulSet.status).toBe(415);
    expect(await statefulSet.json()).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415, message: expect.stringContaining('not apps/v1 StatefulSet') });
  });

  it('replaces an object with a protobuf PUT and deletes with protobuf DeleteOptions', async () => {
    const configMap = (data: Record<string, string>) => body('v1', 'ConfigMap', encode('k8s.io.api.core.v1.ConfigMap', { metadata: { name: 'replaced' }, data }));
    expect((await post('/api/v1/namespaces/default/configmaps', configMap({ mode: 'fast' }))).status).toBe(201);
    const url = `${server.clusterUrl('proto')}/api/v1/namespaces/default/configmaps/replaced`;
    const headers = { 'Content-Type': 'application/vnd.kubernetes.protobuf' };
    const replaced = await fetch(url, { method: 'PUT', headers, body: configMap({ mode: 'slow' }) });
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as Record<string, any>).data).toEqual({ mode: 'slow' });
    const dryRun = body('v1', 'DeleteOptions', encode('k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions', { dryRun: ['All'] }));
    expect((await fetch(url, { method: 'DELETE', headers, body: dryRun })).status).toBe(200);
    expect(server.cluster('proto').findObject({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'replaced' })).toBeDefined();
    expect((await fetch(url, { method: 'DELETE', headers, body: body('v1', 'DeleteOptions', new Uint8Array()) })).status).toBe(200);
    expect(server.cluster('proto').findObject({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'replaced' })).toBeUndefined();
  });

  it('refuses a protobuf body of another kind than the URL names, as a JSON one', async () => {
    const response = await post('/api/v1/namespaces/default/secrets', fixture('create-configmap').body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ kind: 'Status', code: 400 });
  });
});
