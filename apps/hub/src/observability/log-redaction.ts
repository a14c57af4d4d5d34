import { stdSerializers } from 'pino';
import { QueryFailedError } from 'typeorm';

/** Request and response headers that carry credentials; pino writes `[redacted]` instead. */
export const redactedLogPaths = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-gitlab-token"]',
  'req.headers["x-hub-signature-256"]',
  'res.headers["set-cookie"]',
];

const censor = '[redacted]';

/** JSON keys whose values are credentials wherever they appear in a log line (GraphQL variables, bodies, error details). */
const secretKeys = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-gitlab-token',
  'x-hub-signature-256',
  'token',
  'secret',
  'password',
  'passphrase',
  'credential',
  'authSecret',
  'webhookSecret',
  'sshKey',
  'privateKey',
  'bootstrapToken',
  'adminToken',
  'secretKey',
  'apiKey',
];
const secretKeyValue = new RegExp(`"(${secretKeys.map((key) => key.replace(/[-]/g, '\\-')).join('|')})":"(?:[^"\\\\]|\\\\.)*"`, 'gi');
// Credentials that may sit inside a message: HTTP auth schemes, and Capstan's own tokens (API, bootstrap, cluster).
const authScheme = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const capstanToken = /capstan_[A-Za-z0-9_-]{16,}/g;

/**
 * A log line with every credential it may hold replaced: values of secret-looking JSON keys,
 * bearer and basic credentials, Capstan tokens, and the `known` secrets verbatim (e.g. an admin
 * token given in the configuration, which need not look like a Capstan token).
 */
export function scrubLogLine(line: string, known: readonly string[] = []): string {
  let scrubbed = line.replace(secretKeyValue, (_match, key: string) => `"${key}":"${censor}"`).replace(authScheme, `$1 ${censor}`).replace(capstanToken, `capstan_${censor}`);
  for (const secret of known) if (secret.length >= 8) scrubbed = scrubbed.split(secret).join(censor);
  return scrubbed;
}

interface Destination {
  write(chunk: string): unknown;
}

/** A pino destination that scrubs every line (see `scrubLogLine`) before handing it on. */
export function scrubbingDestination(destination: Destination, known: readonly string[] = []): Destination {
  return { write: (chunk: string) => destination.write(scrubLogLine(chunk, known)) };
}

/** `text` with every parameter value of a failed query replaced, so a logged database error holds no value it was given. */
function withoutParameters(text: string | undefined, parameters: readonly unknown[]): string | undefined {
  if (text === undefined) return undefined;
  let result = text;
  for (const parameter of parameters) {
    const value = typeof parameter === 'string' ? parameter : parameter === null || parameter === undefined ? '' : JSON.stringify(parameter);
    if (value && value.length >= 3) result = result.split(value).join('[parameter]');
  }
  return result;
}

/**
 * pino's error serializer, except that database errors (TypeORM's QueryFailedError) keep their
 * query and PostgreSQL's code, table, column and constraint but lose the parameter values and
 * PostgreSQL's `detail`, which repeats them.
 */
export function serializeLoggedError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  if (!(error instanceof QueryFailedError)) return serialized;
  const parameters: unknown[] = Array.isArray(error.parameters) ? error.parameters : [];
  const driverError = (error.driverError ?? {}) as Record<string, unknown>;
  // Only what is known to hold no value: TypeORM copies the driver's fields (detail, where…) onto the error too.
  return {
    type: serialized['type'],
    message: withoutParameters(error.message, parameters),
    stack: withoutParameters(error.stack, parameters),
    query: error.query,
    parameterCount: parameters.length,
    database: Object.fromEntries(['code', 'severity', 'table', 'column', 'constraint', 'dataType', 'routine'].filter((key) => driverError[key] !== undefined).map((key) => [key, driverError[key]])),
  };
}
