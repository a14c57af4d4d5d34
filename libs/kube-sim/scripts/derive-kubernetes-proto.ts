/**
 * Writes libs/kube-sim/proto/k8s.io/**\/subset.proto: the Kubernetes protobuf messages that the kinds
 * kube-sim decodes can reach, with names and numbers read from the descriptors that the reference
 * kubectl (k8s.io/api as it was compiled) carries. Run by `npx nx run kube-sim:derive-proto` when a
 * kind is added or kubectl is upgraded; `npx nx run kube-sim:generate` then rebuilds the descriptor set.
 *
 * kubectl registers each generated.proto as a gzipped FileDescriptorProto, gogoproto options
 * included: `nullable = false` (65001) marks a Go value field, its absence a Go pointer, and
 * `customname` (65004) names the Go field.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ScalarType, type DescField, type DescMessage, type FileRegistry } from '@bufbuild/protobuf';
import { protobufRootTypeNames } from '../src/protobuf-body';
import { kubectlDescriptors } from '../src/testing/kubectl-descriptors';

// eslint-disable-next-line @nx/enforce-module-boundaries -- tools/ is plain Node outside the Nx graph; the reference kubectl lives there
const kubectl: { path: string | null; reason: string | null } = require('../../../tools/reference-binaries').referenceBinary('kubectl');

/** Go structs embedded with `json:",inline"`: JSON writes their fields into the parent object. */
export const inlineFields = new Set([
  'k8s.io.apimachinery.pkg.runtime.Unknown.typeMeta',
  'k8s.io.api.core.v1.Volume.volumeSource',
  'k8s.io.api.core.v1.Probe.handler',
  'k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon',
  'k8s.io.api.core.v1.ConfigMapEnvSource.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapKeySelector.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapProjection.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapVolumeSource.localObjectReference',
  'k8s.io.api.core.v1.SecretEnvSource.localObjectReference',
  'k8s.io.api.core.v1.SecretKeySelector.localObjectReference',
  'k8s.io.api.core.v1.SecretProjection.localObjectReference',
  'k8s.io.api.networking.v1.IngressRule.ingressRuleValue',
]);

const scalarNames: Record<number, string> = {
  [ScalarType.DOUBLE]: 'double',
  [ScalarType.FLOAT]: 'float',
  [ScalarType.INT64]: 'int64',
  [ScalarType.UINT64]: 'uint64',
  [ScalarType.INT32]: 'int32',
  [ScalarType.BOOL]: 'bool',
  [ScalarType.STRING]: 'string',
  [ScalarType.BYTES]: 'bytes',
  [ScalarType.UINT32]: 'uint32',
};

/** Whether kubectl's descriptor marks the field a Go pointer (no `(gogoproto.nullable) = false`). */
export function isGoPointer(field: DescField): boolean {
  const unknown = field.proto.options?.$unknown ?? [];
  return !unknown.some((option) => option.no === 65001 && option.data.length === 1 && option.data[0] === 0);
}

/** Whether a subset field keeps presence: a Go pointer to a scalar (bytes are slices, never pointers). */
export function keepsPresence(field: DescField): boolean {
  return field.fieldKind === 'scalar' && field.scalar !== ScalarType.BYTES && isGoPointer(field);
}

function reachable(registry: FileRegistry, roots: readonly string[]): Map<string, DescMessage> {
  const seen = new Map<string, DescMessage>();
  const visit = (message: DescMessage): void => {
    if (seen.has(message.typeName)) return;
    seen.set(message.typeName, message);
    for (const field of message.fields) if (field.message) visit(field.message);
  };
  for (const root of roots) {
    const message = registry.getMessage(root);
    if (!message) throw new Error(`derive-kubernetes-proto: kubectl has no message ${root}`);
    visit(message);
  }
  return seen;
}

function typeReference(message: DescMessage, fromPackage: string): string {
  return message.file.proto.package === fromPackage ? message.name : `.${message.typeName}`;
}

function fieldType(field: DescField, fromPackage: string): string {
  const valueType = (kind: 'scalar' | 'message' | 'enum', scalar: ScalarType | undefined, message: DescMessage | undefined): string => {
    if (kind === 'message' && message) return typeReference(message, fromPackage);
    if (kind === 'scalar' && scalar !== undefined) return scalarNames[scalar];
    throw new Error(`derive-kubernetes-proto: ${field.parent.typeName}.${field.name} is an enum; Kubernetes messages have none`);
  };
  switch (field.fieldKind) {
    case 'map':
      return `map<${scalarNames[field.mapKey]}, ${valueType(field.mapKind, field.scalar, field.message)}>`;
    case 'list':
      return `repeated ${valueType(field.listKind, field.scalar, field.message)}`;
    case 'message':
      return typeReference(field.message, fromPackage);
    case 'scalar':
      return `${keepsPresence(field) ? 'optional ' : ''}${scalarNames[field.scalar]}`;
    default:
      return valueType('enum', undefined, undefined);
  }
}

function protoFileText(packageName: string, messages: DescMessage[], imports: string[]): string {
  const lines = [
    '// Derived by libs/kube-sim/scripts/derive-kubernetes-proto.ts from the descriptors compiled into the',
    '// reference kubectl; do not edit. The messages that the kinds kube-sim decodes can reach, with the field',
    '// names (the JSON names) and numbers of k8s.io/api. A Go pointer to a scalar is `optional`, so a zero it',
    '// carries is kept; (capstan.kubesim.v1.inline) marks an embedded Go struct written into its parent.',
    'syntax = "proto3";',
    '',
    `package ${packageName};`,
    '',
    ...(imports.length > 0 ? [...imports.map((path) => `import "${path}";`), ''] : []),
  ];
  for (const message of messages) {
    lines.push(`message ${message.name} {`);
    for (const field of message.fields) {
      const inline = inlineFields.has(`${message.typeName}.${field.name}`) ? ' [(capstan.kubesim.v1.inline) = true]' : '';
      lines.push(`  ${fieldType(field, packageName)} ${field.name} = ${field.number}${inline};`);
    }
    lines.push('}', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The subset files, by path under libs/kube-sim/proto. */
export function deriveSubset(registry: FileRegistry, roots: readonly string[] = protobufRootTypeNames()): Map<string, string> {
  const byFile = new Map<string, DescMessage[]>();
  for (const message of reachable(registry, roots).values()) {
    if (message.proto.options?.mapEntry) continue;
    const path = message.file.proto.name.replace(/generated\.proto$/, 'subset.proto');
    byFile.set(path, [...(byFile.get(path) ?? []), message]);
  }
  const files = new Map<string, string>();
  for (const [path, messages] of byFile) {
    messages.sort((a, b) => a.typeName.localeCompare(b.typeName));
    const packageName = messages[0].file.proto.package;
    const imports = new Set<string>();
    for (const message of messages) {
      for (const field of message.fields) {
        if (field.message && field.message.file !== message.file) imports.add(field.message.file.proto.name.replace(/generated\.proto$/, 'subset.proto'));
        if (inlineFields.has(`${message.typeName}.${field.name}`)) imports.add('capstan/kubesim/v1/json.proto');
      }
    }
    files.set(path, protoFileText(packageName, messages, [...imports].sort()));
  }
  return files;
}

if (require.main === module) {
  if (!kubectl.path) throw new Error(`derive-kubernetes-proto: the reference kubectl is unavailable: ${kubectl.reason}`);
  const registry = kubectlDescriptors(readFileSync(kubectl.path));
  const root = join(__dirname, '..', 'proto');
  for (const [path, text] of deriveSubset(registry)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    console.log(`wrote proto/${path}`);
  }
}
