/**
 * The REST surface of one simulated cluster: request paths and query parameters mapped onto the
 * cluster's verbs, content negotiation (JSON, Table, PartialObjectMetadata), and watch streams.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { DeleteOptions, ListOptions, PropagationPolicy, SimulatedCluster, WriteOptions } from './cluster';
import { apiGroup, apiGroupList, apiResourceList, coreApiVersions, versionInfo } from './discovery';
import { badRequest, methodNotAllowed, notAcceptable, pathNotFound, StatusError } from './errors';
import { isPlainObject, type JsonObject } from './json';
import { openApiDocument, openApiIndex } from './openapi';
import { patchTypeOf } from './patch';
import { decodeProtobufBody, isProtobufContentType } from './protobuf-body';
import { groupResource, type ResourceType } from './resource-types';
import { patchScale, readScale, writeScale } from './scale';
import { partialObjectMetadata, tableOf } from './table';
import { openWatch, type WatchEvent } from './watch';

/** What the request handler needs from the server around it. */
export interface HandlerContext {
  /** The URL path prefix of this cluster (`/clusters/name`). */
  prefix: string;
  serverAddress: string;
  bookmarkIntervalMs: number;
}

const maxBodyBytes = 3 * 1024 * 1024;

interface ResourceRequest {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  watch: boolean;
}

type Representation = { as: 'object' } | { as: 'Table'; apiVersion: string } | { as: 'PartialObjectMetadata'; apiVersion: string };

/** Reads a request body, 413 past the API server's limit. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new StatusError(413, 'BadRequest', 'Request entity too large: limit is 3145728');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Writes a JSON response. */
export function sendJson(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  response.end(text);
}

/** Writes a failure as the `Status` body a real server sends. */
export function sendError(response: ServerResponse, error: unknown): void {
  const status = error instanceof StatusError ? error : new StatusError(500, 'InternalError', `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`);
  if (response.headersSent) {
    response.end();
    return;
  }
  sendJson(response, status.code, status.toStatus());
}

function representationOf(accept: string | undefined): Representation {
  if (!accept) return { as: 'object' };
  let plain = false;
  for (const entry of accept.split(',')) {
    const [mediaType, ...parameterTexts] = entry.trim().split(';');
    const parameters = Object.fromEntries(parameterTexts.map((text) => text.trim().split('=') as [string, string]));
    const media = mediaType.trim().toLowerCase();
    if (media !== 'application/json' && media !== '*/*' && media !== 'application/*') continue;
    if (parameters.as === 'Table' && parameters.g === 'meta.k8s.io') return { as: 'Table', apiVersion: `meta.k8s.io/${parameters.v ?? 'v1'}` };
    if ((parameters.as === 'PartialObjectMetadata' || parameters.as === 'PartialObjectMetadataList') && parameters.g === 'meta.k8s.io') {
      return { as: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${parameters.v ?? 'v1'}` };
    }
    if (!parameters.as) plain = true;
  }
  if (!plain) throw notAcceptable(accept);
  return { as: 'object' };
}

function parseBody(body: Buffer, contentType: string | undefined): unknown {
  // Typed Go clients (`kubectl create configmap|deployment|…`, `kubectl autoscale`) send protobuf.
  if (isProtobufContentType(contentType)) return decodeProtobufBody(body);
  const text = body.toString('utf8');
  if (!text.trim()) throw badRequest('the request body is empty');
  try {
    return JSON.parse(text);
  } catch {
    if (contentType && /json/.test(contentType) && !/apply-patch/.test(contentType)) throw badRequest('the body of the request is not valid JSON');
    try {
      return parseYaml(text);
    } catch (error) {
      throw badRequest(`error decoding YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

// Without `fieldManager`, a real server names an Update manager after the client's User-Agent; apply requires one.
function writeOptionsOf(query: URLSearchParams, request: IncomingMessage, isApply = false): WriteOptions {
  const dryRun = query.getAll('dryRun');
  if (dryRun.some((value) => value !== 'All')) throw badRequest(`Invalid dry run value: ${dryRun.join(',')}; only "All" is supported`);
  const userAgentManager = (request.headers['user-agent'] ?? '').split('/')[0] || 'unknown';
  return {
    fieldManager: query.get('fieldManager') ?? (isApply ? undefined : userAgentManager),
    dryRun: dryRun.length > 0,
    force: query.get('force') === 'true',
  };
}

function listOptionsOf(query: URLSearchParams): ListOptions {
  const limit = query.get('limit');
  return {
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
    limit: limit ? Number(limit) : undefined,
    continue: query.get('continue') ?? undefined,
  };
}

function deleteOptionsOf(query: URLSearchParams, body: unknown): DeleteOptions {
  const options = isPlainObject(body) ? body : {};
  const dryRun = [...query.getAll('dryRun'), ...(Array.isArray(options.dryRun) ? (options.dryRun as string[]) : [])];
  const orphan = query.get('orphanDependents') ?? options.orphanDependents;
  const policy = (query.get('propagationPolicy') ?? options.propagationPolicy ?? (orphan === true || orphan === 'true' ? 'Orphan' : undefined)) as PropagationPolicy | undefined;
  if (policy !== undefined && !['Foreground', 'Background', 'Orphan'].includes(policy)) throw badRequest(`Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
  return {
    dryRun: dryRun.includes('All'),
    propagationPolicy: policy,
    preconditions: isPlainObject(options.preconditions) ? (options.preconditions as DeleteOptions['preconditions']) : undefined,
  };
}

// Maps a resource path (after /api/v1 or /apis/{group}/{version}) onto a type and object.
function resolveResource(cluster: SimulatedCluster, group: string, version: string, segments: string[], path: string): ResourceRequest {
  let watch = false;
  if (segments[0] === 'watch') {
    watch = true;
    segments = segments.slice(1);
  }
  let namespace: string | undefined;
  let resource: string;
  let name: string | undefined;
  let subresource: string | undefined;
  const namespaceSubresource = !group && segments.length === 3 && (segments[2] === 'status' || segments[2] === 'finalize');
  if (segments[0] === 'namespaces' && segments.length >= 3 && !namespaceSubresource) {
    [, namespace, resource, name, subresource] = segments;
  } else {
    [resource, name, subresource] = segments;
  }
  const type = cluster.types.lookup(group, version, resource);
  if (!type || segments.length > (namespace !== undefined ? 5 : 3)) throw pathNotFound(path);
  if (!type.namespaced && namespace !== undefined) throw pathNotFound(path);
  if (subresource && !(subresource === 'status' && type.statusSubresource) && !(subresource === 'scale' && type.scale) && !(subresource === 'finalize' && type.kind === 'Namespace')) {
    throw pathNotFound(path);
  }
  return { type, namespace, name, subresource, watch };
}

/** Serves one request for `cluster`; `path` is the URL path with the cluster prefix removed. */
export async function handleClusterRequest(cluster: SimulatedCluster, context: HandlerContext, request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
  const segments = path.split('/').filter(Boolean);
  const method = request.method ?? 'GET';
  if (segments.length === 0) return sendJson(response, 200, { paths: ['/api', '/api/v1', '/apis', '/openapi/v3', '/version', '/healthz'] });
  switch (segments[0]) {
    case 'version':
      return sendJson(response, 200, versionInfo());
    case 'healthz':
    case 'livez':
    case 'readyz':
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('ok');
      return;
    case 'openapi':
      return serveOpenApi(cluster, context, response, segments, path);
    case 'api':
      if (segments.length === 1) return sendJson(response, 200, coreApiVersions(context.serverAddress));
      if (segments.length === 2) return sendDocument(response, apiResourceList(cluster.types, '', segments[1]), path);
      return serveResource(cluster, context, request, response, method, resolveResource(cluster, '', segments[1], segments.slice(2), path), query);
    case 'apis':
      if (segments.length === 1) return sendJson(response, 200, apiGroupList(cluster.types));
      if (segments.length === 2) return sendDocument(response, apiGroup(cluster.types, segments[1]), path);
      if (segments.length === 3) return sendDocument(response, apiResourceList(cluster.types, segments[1], segments[2]), path);
      return serveResource(cluster, context, request, response, method, resolveResource(cluster, segments[1], segments[2], segments.slice(3), path), query);
    default:
      throw pathNotFound(path);
  }
}

function sendDocument(response: ServerResponse, document: JsonObject | undefined, path: string): void {
  if (!document) throw pathNotFound(path);
  sendJson(response, 200, document);
}

function serveOpenApi(cluster: SimulatedCluster, context: HandlerContext, response: ServerResponse, segments: string[], path: string): void {
  if (segments[1] !== 'v3') throw pathNotFound(path);
  if (segments.length === 2) return sendJson(response, 200, openApiIndex(cluster.types, context.prefix));
  const [, , root, first, second] = segments;
  const document = root === 'api' ? openApiDocument(cluster.types, '', first) : root === 'apis' && second ? openApiDocument(cluster.types, first, second) : undefined;
  sendDocument(response, document, path);
}

function render(cluster: SimulatedCluster, type: ResourceType, body: JsonObject, representation: Representation, query: URLSearchParams): JsonObject {
  if (representation.as === 'object' || body.kind === 'Status' || body.kind === 'Scale') return body;
  const isList = Array.isArray(body.items);
  const objects = isList ? (body.items as JsonObject[]).map((item) => cluster.present(type, { apiVersion: '', kind: type.kind, ...item })) : [body];
  if (representation.as === 'Table') {
    return tableOf(type, objects, { apiVersion: representation.apiVersion, listMetadata: isList ? (body.metadata as JsonObject) : {}, includeObject: query.get('includeObject') ?? undefined });
  }
  if (!isList) return partialObjectMetadata(body);
  return { kind: 'PartialObjectMetadataList', apiVersion: representation.apiVersion, metadata: body.metadata, items: objects.map(partialObjectMetadata) };
}

async function serveResource(
  cluster: SimulatedCluster,
  context: HandlerContext,
  request: IncomingMessage,
  response: ServerResponse,
  method: string,
  target: ResourceRequest,
  query: URLSearchParams,
): Promise<void> {
  const { type, name, subresource } = target;
  const namespace = target.namespace ?? '';
  const representation = representationOf(request.headers.accept);
  const reply = (code: number, body: JsonObject) => sendJson(response, code, render(cluster, type, body, representation, query));
  const collectionNamespace = type.namespaced ? target.namespace : undefined;
  switch (method) {
    case 'GET':
      if (target.watch || query.get('watch') === 'true' || query.get('watch') === '1') {
        return serveWatch(cluster, context, request, response, type, name ? { ...target, namespace: collectionNamespace } : target, query, representation);
      }
      if (!name) return reply(200, cluster.list(type, collectionNamespace, listOptionsOf(query)));
      if (subresource === 'scale') return reply(200, readScale(cluster, type, namespace, name));
      return reply(200, cluster.get(type, namespace, name));
    case 'POST': {
      if (name || (type.namespaced && target.namespace === undefined)) throw methodNotAllowed('create', type);
      const body = parseBody(await readBody(request), request.headers['content-type']);
      if (!isPlainObject(body)) throw badRequest('the body of the request must be an object');
      return reply(201, cluster.create(type, namespace, body, writeOptionsOf(query, request)));
    }
    case 'PUT': {
      if (!name) throw methodNotAllowed('update', type);
      const body = parseBody(await readBody(request), request.headers['content-type']);
      if (!isPlainObject(body)) throw badRequest('the body of the request must be an object');
      if (subresource === 'scale') return reply(200, writeScale(cluster, type, namespace, name, body, writeOptionsOf(query, request)));
      return reply(200, cluster.update(type, namespace, name, body, writeOptionsOf(query, request), subresource === 'status' ? 'status' : undefined));
    }
    case 'PATCH': {
      if (!name) throw methodNotAllowed('patch', type);
      const patchType = patchTypeOf(request.headers['content-type'] ?? '');
      const patch = parseBody(await readBody(request), request.headers['content-type']);
      const options = writeOptionsOf(query, request, patchType === 'apply');
      if (subresource === 'scale') return reply(200, patchScale(cluster, type, namespace, name, patchType, patch, options));
      const existed = patchType === 'apply' && cluster.store.get(groupResource(type), type.namespaced ? namespace : '', name) !== undefined;
      const result = cluster.patch(type, namespace, name, patchType, patch, options, subresource === 'status' ? 'status' : undefined);
      return reply(patchType === 'apply' && !existed ? 201 : 200, result);
    }
    case 'DELETE': {
      const bytes = await readBody(request);
      const body = bytes.toString('utf8').trim() ? parseBody(bytes, request.headers['content-type']) : undefined;
      const options = deleteOptionsOf(query, body);
      if (!name) return reply(200, cluster.deleteCollection(type, collectionNamespace, listOptionsOf(query), options));
      return reply(200, cluster.delete(type, namespace, name, options));
    }
    default:
      throw methodNotAllowed(method, type);
  }
}

function serveWatch(
  cluster: SimulatedCluster,
  context: HandlerContext,
  request: IncomingMessage,
  response: ServerResponse,
  type: ResourceType,
  target: ResourceRequest,
  query: URLSearchParams,
  representation: Representation,
): void {
  const fieldSelectors = [query.get('fieldSelector'), target.name ? `metadata.name=${target.name}` : null].filter(Boolean).join(',');
  response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  response.flushHeaders();
  const send = (event: WatchEvent): void => {
    const object = event.type === 'BOOKMARK' || event.type === 'ERROR' ? event.object : render(cluster, type, event.object, representation, query);
    response.write(`${JSON.stringify({ type: event.type, object })}\n`);
  };
  let handle;
  try {
    handle = openWatch(
      cluster,
      type,
      type.namespaced ? target.namespace : undefined,
      {
        resourceVersion: query.get('resourceVersion') ?? undefined,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: fieldSelectors || undefined,
        allowWatchBookmarks: query.get('allowWatchBookmarks') === 'true',
        sendInitialEvents: query.get('sendInitialEvents') === 'true',
      },
      send,
    );
  } catch (error) {
    // A real server reports a watch it cannot start (410 Gone included) as an ERROR event.
    const status = error instanceof StatusError ? error : new StatusError(500, 'InternalError', String(error));
    response.end(`${JSON.stringify({ type: 'ERROR', object: status.toStatus() })}\n`);
    return;
  }
  const watch = handle;
  const bookmarks = setInterval(() => watch.bookmark(), context.bookmarkIntervalMs);
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
  const timeout = timeoutSeconds > 0 ? setTimeout(() => response.end(), timeoutSeconds * 1000) : undefined;
  const finish = (): void => {
    watch.stop();
    clearInterval(bookmarks);
    if (timeout) clearTimeout(timeout);
  };
  response.on('close', finish);
  request.on('close', finish);
}
