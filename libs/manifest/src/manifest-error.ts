/** A manifest that cannot be read: names the file and, when known, the line. */
export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${reason}`);
    this.name = 'ManifestError';
  }
}
