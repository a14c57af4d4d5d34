type ReferenceBinary = { path: string | null; reason: string | null };

/** The official kubectl for end-to-end specs, unpacked on first use; `path` null (with the reason) where it cannot run. */
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools/ is plain Node outside the Nx graph; the reference kubectl lives there
export const referenceKubectl: ReferenceBinary = (require('../../../../tools/reference-binaries') as { referenceBinary(name: string): ReferenceBinary }).referenceBinary('kubectl');
