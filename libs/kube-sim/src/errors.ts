/** Kubernetes `Status` failures, shaped as the API server writes them (`metav1.Status`). */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'Expired'
  | 'InternalError';

/** One cause of an `Invalid` or field-manager `Conflict` failure. */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

/** What a failure concerns: the object's group, plural kind and name. */
export interface StatusSubject {
  group: string;
  /** The resource (plural), as the server fills `details.kind` for most failures. */
  resource: string;
  name?: string;
}

/** The `kind: Status` body of a failed request. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: StatusReason;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

/** A request failure that the HTTP layer writes as a `Status` body with `code` as the HTTP status. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusBody['details'],
  ) {
    super(message);
    this.name = 'StatusError';
  }

  /** The wire form of this failure. */
  toStatus(): StatusBody {
    const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** `deployments.apps` or `configmaps`: how the server names a resource in messages. */
export function qualifiedResource(subject: Pick<StatusSubject, 'group' | 'resource'>): string {
  return subject.group ? `${subject.resource}.${subject.group}` : subject.resource;
}

function subjectDetails(subject: StatusSubject): NonNullable<StatusBody['details']> {
  const details: NonNullable<StatusBody['details']> = {};
  if (subject.name !== undefined) details.name = subject.name;
  if (subject.group) details.group = subject.group;
  details.kind = subject.resource;
  return details;
}

/** 404 for a missing object. */
export function notFound(subject: StatusSubject): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedResource(subject)} "${subject.name ?? ''}" not found`, subjectDetails(subject));
}

/** 404 for a URL that names no resource at all. */
export function pathNotFound(path: string): StatusError {
  return new StatusError(404, 'NotFound', `the server could not find the requested resource (${path})`, {});
}

/** 409 for a create whose name is taken. */
export function alreadyExists(subject: StatusSubject): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualifiedResource(subject)} "${subject.name}" already exists`, subjectDetails(subject));
}

/** 409 for a write based on a stale `resourceVersion`. */
export function staleConflict(subject: StatusSubject): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(subject)} "${subject.name}": the object has been modified; please apply your changes to the latest version and try again`,
    subjectDetails(subject),
  );
}

/** 409 for a server-side apply that would take fields owned by other managers; one cause per field. */
export function fieldManagerConflict(causes: StatusCause[]): StatusError {
  if (causes.length === 1) {
    return new StatusError(409, 'Conflict', `Apply failed with 1 conflict: ${causes[0].message}: ${causes[0].field}`, { causes });
  }
  const byManager = new Map<string, string[]>();
  for (const cause of causes) byManager.set(cause.message, [...(byManager.get(cause.message) ?? []), cause.field ?? '']);
  const lines = [...byManager.keys()].sort().flatMap((manager) => [`${manager.replace(/^conflict /, 'conflicts ')}:`, ...byManager.get(manager)!.map((field) => `- ${field}`)]);
  return new StatusError(409, 'Conflict', `Apply failed with ${causes.length} conflicts: ${lines.join('\n')}`, { causes });
}

/** 422 with one cause per invalid field; `kind` is the object's Kind, as the server reports it here. */
export function invalid(subject: { group: string; kind: string; name?: string }, causes: StatusCause[]): StatusError {
  const summary = causes.map((cause) => `${cause.field}: ${cause.message}`).join(', ');
  const label = subject.group ? `${subject.kind}.${subject.group}` : subject.kind;
  const details: NonNullable<StatusBody['details']> = { name: subject.name ?? '', kind: subject.kind, causes };
  if (subject.group) details.group = subject.group;
  return new StatusError(422, 'Invalid', `${label} "${subject.name ?? ''}" is invalid: ${causes.length === 1 ? summary : `[${summary}]`}`, details);
}

/** 400 for a malformed request. */
export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

/** 410 for a watch or continue token older than the kept history. */
export function gone(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

/** 405 for a verb the resource does not support. */
export function methodNotAllowed(verb: string, subject: Pick<StatusSubject, 'group' | 'resource'>): StatusError {
  return new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(subject)}"`, subjectDetails(subject));
}

/** 415 for a body or patch type the endpoint does not take. */
export function unsupportedMediaType(contentType: string): StatusError {
  return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml; got "${contentType}"`);
}

/** 406 for an `Accept` header the server cannot satisfy. */
export function notAcceptable(accept: string): StatusError {
  return new StatusError(406, 'NotAcceptable', `the server was unable to respond with a content type that the client supports (${accept})`);
}

/** 403 for a write the server refuses, such as content in a namespace being terminated. */
export function forbidden(subject: StatusSubject, why: string): StatusError {
  return new StatusError(403, 'Forbidden', `${qualifiedResource(subject)} "${subject.name ?? ''}" is forbidden: ${why}`, subjectDetails(subject));
}

/** 401 for a request without the expected bearer token. */
export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}
