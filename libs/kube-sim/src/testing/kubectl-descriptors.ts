/**
 * The Kubernetes protobuf descriptors compiled into a kubectl binary: every generated.proto of
 * k8s.io/api and apimachinery is registered as a gzipped FileDescriptorProto, gogoproto options included.
 */
import { gunzipSync, constants } from 'node:zlib';
import { create, createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

const gzipMagic = Buffer.from([0x1f, 0x8b, 0x08]);
const gogoProto = 'github.com/gogo/protobuf/gogoproto/gogo.proto';

function embeddedFiles(binary: Buffer): Map<string, FileDescriptorProto> {
  const files = new Map<string, FileDescriptorProto>();
  for (let at = binary.indexOf(gzipMagic); at >= 0; at = binary.indexOf(gzipMagic, at + 1)) {
    let file: FileDescriptorProto;
    try {
      // A stream ends where its gzip trailer says; what follows it in the binary is ignored.
      const bytes = gunzipSync(binary.subarray(at, at + 4 * 1024 * 1024), { finishFlush: constants.Z_SYNC_FLUSH });
      if (bytes[0] !== 0x0a) continue;
      file = fromBinary(FileDescriptorProtoSchema, bytes);
    } catch {
      continue;
    }
    if (!file.name.startsWith('k8s.io/') || !file.name.endsWith('/generated.proto')) continue;
    // The gogoproto options stay as unknown fields; gogo.proto itself is not needed to read them.
    file.dependency = file.dependency.filter((dependency) => dependency !== gogoProto);
    files.set(file.name, file);
  }
  return files;
}

/** A registry of the k8s.io files in `binary` (a kubectl executable) whose imports it also holds. */
export function kubectlDescriptors(binary: Buffer): FileRegistry {
  const files = embeddedFiles(binary);
  const ordered: FileDescriptorProto[] = [];
  const state = new Map<string, boolean>();
  const complete = (name: string): boolean => {
    if (state.has(name)) return state.get(name)!;
    const file = files.get(name);
    state.set(name, false);
    const ok = file !== undefined && file.dependency.every(complete);
    state.set(name, ok);
    if (ok) ordered.push(file!);
    return ok;
  };
  for (const name of files.keys()) complete(name);
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}
