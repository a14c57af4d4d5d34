/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), as typed Go clients
 * such as `kubectl create` and `kubectl autoscale` send them: the prefix `k8s\0`, then a runtime.Unknown
 * whose typeMeta names the object's apiVersion and kind and whose raw bytes hold the object in the
 * k8s.io/api schema. Decoded into the JSON object the same client would have sent as JSON, so the
 * write path after it is the JSON one. The schema is the subset in libs/kube-sim/proto.
 */
import { create, createFileRegistry, fromBinary, getOption, isFieldSet, ScalarType, type DescExtension, type DescField, type DescMessage, type FileRegistry, type Message } from '@bufbuild/protobuf';
import { file_google_protobuf_descriptor, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { badRequest, StatusError } from './errors';
import { kubernetesDescriptorSet } from './generated/kubernetes-descriptor-set';
import type { JsonObject } from './json';

/** The media type of Kubernetes protobuf bodies. */
export const protobufMediaType = 'application/vnd.kubernetes.protobuf';

const prefix = Buffer.from('k8s\0', 'latin1');

/** Protobuf packages of the group versions whose kinds kube-sim decodes. */
const packageOfApiVersion: Readonly<Record<string, string>> = {
  v1: 'k8s.io.api.core.v1',
  'apps/v1': 'k8s.io.api.apps.v1',
  'autoscaling/v2': 'k8s.io.api.autoscaling.v2',
  'batch/v1': 'k8s.io.api.batch.v1',
  'networking.k8s.io/v1': 'k8s.io.api.networking.v1',
  'policy/v1': 'k8s.io.api.policy.v1',
  'rbac.authorization.k8s.io/v1': 'k8s.io.api.rbac.v1',
};

/** The kinds a protobuf body may carry: what kubectl's typed commands (create, autoscale) write. */
export const protobufKinds: readonly { apiVersion: string; kind: string }[] = [
  ...['Namespace', 'ConfigMap', 'Secret', 'Service', 'ServiceAccount', 'Pod', 'ResourceQuota'].map((kind) => ({ apiVersion: 'v1', kind })),
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'batch/v1', kind: 'CronJob' },
  ...['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].map((kind) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind })),
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
];

const unknownTypeName = 'k8s.io.apimachinery.pkg.runtime.Unknown';
// Go clients send DeleteOptions under the version of the resource they delete.
const deleteOptionsTypeName = 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions';

/** The message type of an apiVersion and kind, when a protobuf body may carry it. */
export function protobufTypeName(apiVersion: string, kind: string): string | undefined {
  if (kind === 'DeleteOptions') return deleteOptionsTypeName;
  if (!protobufKinds.some((known) => known.apiVersion === apiVersion && known.kind === kind)) return undefined;
  return `${packageOfApiVersion[apiVersion]}.${kind}`;
}

/** The messages every body decodes through: the envelope, and each kind it may carry. */
export function protobufRootTypeNames(): string[] {
  return [unknownTypeName, deleteOptionsTypeName, ...protobufKinds.map(({ apiVersion, kind }) => `${packageOfApiVersion[apiVersion]}.${kind}`)];
}

/** Whether a Content-Type names a Kubernetes protobuf body. */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === protobufMediaType;
}

interface Schema {
  registry: FileRegistry;
  inline: DescExtension;
}

let schema: Schema | undefined;

/** The registry of the compiled subset (built on first use). */
export function protobufSchema(): Schema {
  if (!schema) {
    const set = fromBinary(FileDescriptorSetSchema, Buffer.from(kubernetesDescriptorSet, 'base64'));
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: [file_google_protobuf_descriptor.proto, ...set.file] }));
    const inline = registry.getExtension('capstan.kubesim.v1.inline');
    if (!inline) throw new Error('kube-sim: the protobuf schema lacks the capstan.kubesim.v1.inline option');
    schema = { registry, inline };
  }
  return schema;
}

function messageType(typeName: string): DescMessage {
  const desc = protobufSchema().registry.getMessage(typeName);
  if (!desc) throw new Error(`kube-sim: the protobuf schema lacks ${typeName}`);
  return desc;
}

function unsupported(message: string): StatusError {
  return new StatusError(415, 'UnsupportedMediaType', message);
}

/** Where a decode is, for messages: the object's kind and the JSON path inside it. */
interface Place {
  kind: string;
  path: string;
}

function at(place: Place, key: string | number): Place {
  const path = typeof key === 'number' ? `${place.path}[${key}]` : place.path ? `${place.path}.${key}` : key;
  return { kind: place.kind, path };
}

function where(place: Place): string {
  return place.path ? `${place.kind} (at ${place.path})` : place.kind;
}

type MessageJson = (message: Record<string, unknown>, place: Place) => unknown;

const utf8 = new TextDecoder('utf-8', { fatal: true });

// The apimachinery types with a JSON form of their own (MarshalJSON in Go).
const ownJson: Readonly<Record<string, MessageJson>> = {
  // metav1.Time: whole seconds, RFC 3339 in UTC; the zero time is null. Go writes the zero time as an
  // empty message (seconds 0), so the epoch itself cannot be told from it.
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': (message, place) => {
    const seconds = Number(message.seconds as bigint);
    if (seconds === 0) return null;
    const date = new Date(seconds * 1000);
    // Go's JSON refuses years RFC 3339 cannot write, and so does the API server.
    const year = date.getUTCFullYear();
    if (Number.isNaN(year) || year < 0 || year > 9999) throw badRequest(`the protobuf body of ${where(place)} is malformed: a time ${seconds} seconds from the epoch is outside the years 0 to 9999`);
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  },
  // resource.Quantity travels as its canonical string, the same one JSON carries.
  'k8s.io.apimachinery.pkg.api.resource.Quantity': (message) => (typeof message.string === 'string' && message.string !== '' ? message.string : '0'),
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': (message, place) => {
    const type = Number(message.type as bigint);
    if (type === 0) return message.intVal as number;
    if (type === 1) return message.strVal as string;
    throw badRequest(`the protobuf body of ${where(place)} is malformed: IntOrString of unknown type ${type}`);
  },
  // metav1.FieldsV1 holds the JSON of a managed fields set as raw bytes.
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': (message, place) => {
    const raw = message.Raw as Uint8Array;
    if (raw.length === 0) return null;
    try {
      return JSON.parse(utf8.decode(raw));
    } catch {
      throw badRequest(`the protobuf body of ${where(place)} is malformed: FieldsV1 does not hold JSON`);
    }
  },
};

/** The message types whose JSON form is not their fields. */
export const protobufTypesWithOwnJson: readonly string[] = Object.keys(ownJson);

function scalarJson(scalar: ScalarType, value: unknown): unknown {
  switch (scalar) {
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return Number(value as bigint);
    case ScalarType.BYTES:
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      return value;
  }
}

function enumField(place: Place): StatusError {
  return unsupported(`the protobuf body of ${where(place)} has an enum, which the Kubernetes schema never uses`);
}

function fieldJson(field: DescField, value: unknown, place: Place): unknown {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarJson(field.scalar, value);
    case 'message':
      return messageJson(field.message, value as Message, place);
    case 'list': {
      const items = value as unknown[];
      if (field.listKind === 'message') return items.map((item, index) => messageJson(field.message, item as Message, at(place, index)));
      if (field.listKind === 'scalar') return items.map((item) => scalarJson(field.scalar, item));
      throw enumField(place);
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>);
      if (field.mapKind === 'message') return Object.fromEntries(entries.map(([key, item]) => [key, messageJson(field.message, item as Message, at(place, key))]));
      if (field.mapKind === 'scalar') return Object.fromEntries(entries.map(([key, item]) => [key, scalarJson(field.scalar, item)]));
      throw enumField(place);
    }
    default:
      throw enumField(place);
  }
}

/**
 * A message as Go's encoding/json writes the struct it decodes into: fields that are absent or hold
 * the zero value of a Go value field are left out (the API server reads them as unset either way),
 * a pointer's zero is kept, embedded structs are written into their parent.
 */
function messageJson(desc: DescMessage, message: Message, place: Place): unknown {
  const own = ownJson[desc.typeName];
  if (own) return own(message as unknown as Record<string, unknown>, place);
  const unknownFields = (message as { $unknown?: { no: number }[] }).$unknown ?? [];
  if (unknownFields.length > 0) {
    const numbers = [...new Set(unknownFields.map((field) => field.no))].join(', ');
    throw unsupported(`the protobuf body of ${where(place)} has field ${numbers} of ${desc.typeName}, which kube-sim's Kubernetes schema does not hold: send the object as JSON`);
  }
  const { inline } = protobufSchema();
  const json: JsonObject = {};
  for (const field of desc.fields) {
    if (!isFieldSet(message, field)) continue;
    const value = (message as unknown as Record<string, unknown>)[field.localName];
    if (field.fieldKind === 'message' && getOption(field, inline)) {
      Object.assign(json, messageJson(field.message, value as Message, place));
      continue;
    }
    json[field.name] = fieldJson(field, value, at(place, field.name));
  }
  return json;
}

function parse(desc: DescMessage, bytes: Uint8Array, place: Place): Message {
  try {
    return fromBinary(desc, bytes);
  } catch (error) {
    throw badRequest(`the protobuf body of ${where(place)} is malformed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Decodes a protobuf request body into the object it carries, `kind` and `apiVersion` included. */
export function decodeProtobufBody(body: Uint8Array): JsonObject {
  if (body.length < prefix.length || !prefix.equals(body.subarray(0, prefix.length))) {
    throw badRequest('the protobuf body does not start with the Kubernetes prefix "k8s\\0" (6b 38 73 00)');
  }
  const envelope = parse(messageType(unknownTypeName), body.subarray(prefix.length), { kind: 'runtime.Unknown', path: '' }) as unknown as {
    typeMeta?: { apiVersion: string; kind: string };
    raw: Uint8Array;
    contentEncoding: string;
    contentType: string;
  };
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  if (!apiVersion || !kind) throw badRequest('the protobuf body names no apiVersion and kind in its runtime.Unknown typeMeta');
  if (envelope.contentEncoding) throw unsupported(`the protobuf body of ${kind} is encoded as "${envelope.contentEncoding}"; kube-sim reads unencoded bodies only`);
  if (envelope.contentType && !isProtobufContentType(envelope.contentType)) throw unsupported(`the protobuf body of ${kind} wraps "${envelope.contentType}", not protobuf`);
  const typeName = protobufTypeName(apiVersion, kind);
  if (!typeName) {
    const known = protobufKinds.map((entry) => `${entry.apiVersion} ${entry.kind}`).join(', ');
    throw unsupported(`kube-sim decodes protobuf bodies of ${known} only, not ${apiVersion} ${kind}: send it as JSON`);
  }
  const desc = messageType(typeName);
  const place = { kind, path: '' };
  const object = messageJson(desc, parse(desc, envelope.raw, place), place) as JsonObject;
  return { kind, apiVersion, ...object };
}
