/**
 * Records the decoder's fixtures from the reference kubectl: for each command in
 * src/testing/protobuf-commands.ts, NAME.pb is the body kubectl sent and NAME.json the object it
 * printed with `--dry-run=client -o json`. Run with `npx nx run kube-sim:capture-fixtures`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordKubectlWrite } from '../src/testing/kubectl-recorder';
import { protobufCommands } from '../src/testing/protobuf-commands';

// eslint-disable-next-line @nx/enforce-module-boundaries -- tools/ is plain Node outside the Nx graph; the reference kubectl lives there
const kubectl: { path: string | null; reason: string | null } = require('../../../tools/reference-binaries').referenceBinary('kubectl');

async function main(): Promise<void> {
  if (!kubectl.path) throw new Error(`capture-protobuf-fixtures: the reference kubectl is unavailable: ${kubectl.reason}`);
  const directory = join(__dirname, '..', 'src', '__fixtures__', 'protobuf');
  for (const [name, { args, existing }] of Object.entries(protobufCommands)) {
    const { write, printed } = await recordKubectlWrite(kubectl.path, args, existing);
    if (write.contentType !== 'application/vnd.kubernetes.protobuf') throw new Error(`kubectl ${args.join(' ')} sent ${write.contentType}, not protobuf`);
    writeFileSync(join(directory, `${name}.pb`), write.body);
    writeFileSync(join(directory, `${name}.json`), `${JSON.stringify(printed, null, 2)}\n`);
    console.log(`wrote ${name}.pb and ${name}.json`);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
