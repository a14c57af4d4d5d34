/**
 * The protobuf subset kube-sim decodes with against its sources: the descriptors compiled into the
 * reference kubectl (field numbers, types and Go pointers as k8s.io/api has them) and proto/ itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScalarType, type DescField, type FileRegistry } from '@bufbuild/protobuf';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';
import { protobufSchema, protobufTypesWithOwnJson } from './protobuf-body';
import { kubectlDescriptors } from './testing/kubectl-descriptors';
import { deriveSubset, isGoPointer } from '../scripts/derive-kubernetes-proto';
import { descriptorSetModule } from '../scripts/write-descriptor-set';

// eslint-disable-next-line @nx/enforce-module-boundaries -- tools/ is plain Node outside the Nx graph; the reference kubectl lives there
const kubectl: { path: string | null; reason: string | null } = require('../../../tools/reference-binaries').referenceBinary('kubectl');
if (!kubectl.path) console.log(`kube-sim protobuf schema checks against kubectl skipped: ${kubectl.reason}`);
const describeWithKubectl = kubectl.path ? describe : describe.skip;

/** A field's shape, comparable between two registries. */
function shape(field: DescField): string {
  const valueType = (kind: string, scalar: ScalarType | undefined, message: { typeName: string } | undefined) => (kind === 'message' ? message?.typeName : ScalarType[scalar ?? 0]);
  switch (field.fieldKind) {
    case 'map':
      return `map<${ScalarType[field.mapKey]}, ${valueType(field.mapKind, field.scalar, field.message)}>`;
    case 'list':
      return `repeated ${valueType(field.listKind, field.scalar, field.message)}`;
    case 'message':
      return field.message.typeName;
    case 'scalar':
      return ScalarType[field.scalar];
    default:
      return 'enum';
  }
}

describeWithKubectl('the protobuf schema against the reference kubectl', () => {
  let reference: FileRegistry;
  beforeAll(() => {
    reference = kubectlDescriptors(readFileSync(kubectl.path!));
  });

  it('holds every field of each message as kubectl has it: name, number, type, and whether Go keeps a pointer', () => {
    const { registry } = protobufSchema();
    const mismatches: string[] = [];
    let fields = 0;
    for (const type of registry) {
      if (type.kind !== 'message' || !type.typeName.startsWith('k8s.io.')) continue;
      const kubectlMessage = reference.getMessage(type.typeName);
      if (!kubectlMessage) {
        mismatches.push(`${type.typeName}: not in kubectl`);
        continue;
      }
      const ours = type.fields.map((field) => `${field.number} ${field.name}: ${shape(field)}`);
      const theirs = kubectlMessage.fields.map((field) => `${field.number} ${field.name}: ${shape(field)}`);
      if (ours.join('\n') !== theirs.join('\n')) mismatches.push(`${type.typeName}: ours [${ours.join(', ')}], kubectl's [${theirs.join(', ')}]`);
      for (const field of type.fields) {
        fields++;
        const theirsField = kubectlMessage.fields.find((candidate) => candidate.number === field.number);
        const pointer = theirsField !== undefined && theirsField.fieldKind === 'scalar' && theirsField.scalar !== ScalarType.BYTES && isGoPointer(theirsField);
        if (field.fieldKind === 'scalar' && (field.presence === FeatureSet_FieldPresence.EXPLICIT) !== pointer) mismatches.push(`${type.typeName}.${field.name}: presence ${field.presence}, Go pointer ${pointer}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(fields).toBeGreaterThan(800);
  });

  it('is the subset derive-kubernetes-proto writes from kubectl today', () => {
    for (const [path, text] of deriveSubset(reference)) {
      expect({ path, text: readFileSync(join(__dirname, '..', 'proto', path), 'utf8') }).toEqual({ path, text });
    }
  });
});

describe('the protobuf schema', () => {
  it('is compiled into src/generated as proto/ is now (npx nx run kube-sim:generate)', () => {
    expect(readFileSync(join(__dirname, 'generated', 'kubernetes-descriptor-set.ts'), 'utf8')).toBe(descriptorSetModule());
  });

  it('has a JSON form of its own for each apimachinery type whose Go JSON is not its fields', () => {
    const customJson = ['Time', 'MicroTime', 'Duration', 'Quantity', 'QuantityValue', 'IntOrString', 'FieldsV1', 'RawExtension'];
    const held = [...protobufSchema().registry].filter((type) => type.kind === 'message' && type.typeName.startsWith('k8s.io.apimachinery.') && customJson.includes(type.name));
    expect(held.map((type) => type.typeName).sort()).toEqual([...protobufTypesWithOwnJson].sort());
  });
});
