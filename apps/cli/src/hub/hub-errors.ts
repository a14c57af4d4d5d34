import { CliError, ExitCode, exitCodeForHubCode } from '../cli-error';

/** An error as the hub sends it in a GraphQL response (see apps/hub/src/common/graphql-error.formatter.ts). */
export interface GraphqlError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: unknown; fields?: unknown };
}

const hubCodeOf = (error: GraphqlError): string | undefined => (typeof error.extensions?.code === 'string' ? error.extensions.code : undefined);

/** The field errors of bad input that the message does not already tell. */
function fieldDetails(error: GraphqlError): string[] {
  const fields = Array.isArray(error.extensions?.fields) ? (error.extensions.fields as Array<{ field?: unknown; message?: unknown }>) : [];
  return fields
    .filter((field) => typeof field.field === 'string' && typeof field.message === 'string')
    .map((field) => `${field.field as string}: ${field.message as string}`)
    .filter((detail) => !error.message.includes(detail) && !error.message.includes(detail.slice(detail.indexOf(': ') + 2)));
}

/** The CLI error for the errors of a GraphQL response: the first one's code decides the exit code; each distinct message is told. */
export function cliErrorOfGraphqlErrors(errors: readonly GraphqlError[], hub: string): CliError {
  const code = hubCodeOf(errors[0]);
  const exitCode = exitCodeForHubCode(code);
  if (code === 'INTERNAL') return new CliError(exitCode, `the hub at ${hub} failed with an internal error; its log tells why`);
  const messages = [...new Set(errors.flatMap((error) => [error.message, ...fieldDetails(error)]))];
  const message = messages.join('; ');
  if (code === 'UNAUTHENTICATED') return new CliError(exitCode, `${message} (hub ${hub}): log in again with capstan login, or check CAPSTAN_TOKEN`);
  return new CliError(exitCode, message);
}

const networkFailures: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** The error code of a Node network error, or of the first of an AggregateError (IPv4 and IPv6 both tried). */
function networkCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown[] };
  if (typeof code === 'string') return code;
  return Array.isArray(errors) ? networkCode(errors[0]) : undefined;
}

/** The CLI error for a request that never got an answer: fetch rejected, or a WebSocket failed to open. */
export function cliErrorOfTransportFailure(error: unknown, hub: string, timeoutMs: number): CliError {
  // Duck-typed: fetch's DOMException may come from another realm.
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return new CliError(ExitCode.Unreachable, `cannot reach the hub at ${hub}: no answer within ${timeoutMs / 1000} s`);
  // fetch rejects with a TypeError whose cause is the network error; duck-typed, as both may come from another realm.
  const cause = typeof error === 'object' && error !== null && 'cause' in error && error.cause !== undefined ? error.cause : error;
  const code = networkCode(cause);
  const message = typeof cause === 'object' && cause !== null && typeof (cause as { message?: unknown }).message === 'string' ? (cause as { message: string }).message : String(cause);
  const described = (code && networkFailures[code]) || message;
  return new CliError(ExitCode.Unreachable, `cannot reach the hub at ${hub}: ${described}`);
}

/** The CLI error for an HTTP answer that holds no GraphQL response. */
export function cliErrorOfHttpStatus(status: number, hub: string): CliError {
  if (status === 502 || status === 503 || status === 504) return new CliError(ExitCode.Unreachable, `cannot reach the hub at ${hub}: HTTP ${status} from the server in front of it`);
  if (status === 401 || status === 403) return new CliError(ExitCode.Unauthorized, `${hub} refused the request with HTTP ${status}`);
  return new CliError(ExitCode.Unexpected, `${hub}/graphql answered HTTP ${status} without a GraphQL response; is it a Capstan hub?`);
}

/** The CLI error for how a subscription's WebSocket closed (graphql-ws close codes). */
export function cliErrorOfSocketClose(event: { code: number; reason?: string }, hub: string): CliError {
  const reason = event.reason ? `: ${event.reason}` : '';
  if (event.code === 4401 || event.code === 4403) return new CliError(ExitCode.Unauthorized, `the hub at ${hub} refused the subscription${reason}`);
  if (event.code >= 4400 && event.code < 4500) return new CliError(ExitCode.Unexpected, `the hub at ${hub} refused the subscription (close code ${event.code})${reason}`);
  return new CliError(ExitCode.Unreachable, `lost the connection to the hub at ${hub} (close code ${event.code})${reason}`);
}
