/** A render that cannot proceed: names the file (or object) and, when known, the field. */
export class RenderError extends Error {
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(field === undefined ? `${file}: ${reason}` : `${file}: field '${field}': ${reason}`);
    this.name = 'RenderError';
  }
}
