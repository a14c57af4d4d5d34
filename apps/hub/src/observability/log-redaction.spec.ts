import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { CapstanErrorCode, CapstanException } from '../common/capstan.exception';
import { formatGraphqlError } from '../common/graphql-error.formatter';
import { scrubLogLine, serializeLoggedError } from './log-redaction';

describe('log lines', () => {
  it.each([
    ['a bearer token', '{"msg":"Authorization: Bearer abcdefghijklmnop"}', 'abcdefghijklmnop'],
    ['basic credentials', '{"msg":"Authorization: Basic Z2l0OnNlY3JldC10b2tlbg=="}', 'Z2l0OnNlY3JldC10b2tlbg=='],
    ['a Capstan token in a message', '{"msg":"the token capstan_AbCdEfGhIjKlMnOpQrStUv was used"}', 'capstan_AbCdEfGhIjKlMnOpQrStUv'],
    ['a webhook secret in GraphQL variables', '{"variables":{"input":{"name":"s","webhookSecret":"hush-hush-hush"}}}', 'hush-hush-hush'],
    ['a git credential with an escaped quote', '{"body":{"authSecret":"to\\"ken-123"}}', 'ken-123'],
    ['a header logged as is', '{"headers":{"x-gitlab-token":"gitlab-secret-1"}}', 'gitlab-secret-1'],
  ])('lose %s', (_what, line, secret) => {
    expect(scrubLogLine(line)).not.toContain(secret);
    expect(scrubLogLine(line)).toContain('[redacted]');
  });

  it('lose the secrets the configuration names, whatever they look like', () => {
    expect(scrubLogLine('{"msg":"started with admin-token-without-prefix"}', ['admin-token-without-prefix'])).toBe('{"msg":"started with [redacted]"}');
  });

  it('keep what is not a secret', () => {
    const line = '{"level":30,"req":{"url":"/graphql","headers":{"authorization":"[redacted]"}},"tokenName":"eu-operator","msg":"request completed"}';
    expect(scrubLogLine(line)).toBe(line);
  });
});

describe('a logged database error', () => {
  const error = new QueryFailedError('INSERT INTO "sources"("name", "auth_secret") VALUES ($1, $2)', ['fleet', 'sealed-secret-value'], Object.assign(new Error('invalid byte sequence near "sealed-secret-value"'), { code: '22021', detail: 'Key (auth_secret)=(sealed-secret-value) is bad', table: 'sources' }));

  it('keeps the query and the database code but none of the values it was given', () => {
    const serialized = serializeLoggedError(error) as Record<string, unknown>;
    const text = JSON.stringify(serialized);
    expect(text).not.toContain('sealed-secret-value');
    expect(serialized).toMatchObject({ type: 'QueryFailedError', query: 'INSERT INTO "sources"("name", "auth_secret") VALUES ($1, $2)', parameterCount: 2, database: { code: '22021', table: 'sources' } });
    expect(serialized['parameters']).toBeUndefined();
    expect(serialized['message']).toBe('invalid byte sequence near "[parameter]"');
  });

  it('leaves other errors as pino serializes them, stack included', () => {
    expect(serializeLoggedError(new Error('boom'))).toMatchObject({ type: 'Error', message: 'boom', stack: expect.stringContaining('Error: boom') });
  });
});

describe('GraphQL errors as logged', () => {
  const logged = () => {
    const entries: { client: Array<[CapstanErrorCode, string]>; internal: unknown[] } = { client: [], internal: [] };
    const format = formatGraphqlError({ client: (code, summary) => entries.client.push([code, summary]), internal: (error) => entries.internal.push(error) });
    return { entries, format };
  };

  it.each([
    ['NOT_FOUND', CapstanException.notFound('cluster', 'eu-1')],
    ['PERMISSION_DENIED', CapstanException.permissionDenied('token/x may change only cluster groups [a]')],
    ['UNAUTHENTICATED', CapstanException.unauthenticated('the bearer token is not valid')],
    ['INVALID_ARGUMENT', CapstanException.invalid('input.name', 'must be a DNS-1123 label')],
    ['CONFLICT', CapstanException.conflict('cluster "eu-1" already exists')],
  ])('are one line, and not an error, for %s', (_code, exception) => {
    const { entries, format } = logged();
    const formatted = format({ message: exception.message, path: ['cluster'] }, new GraphQLError(exception.message, { originalError: exception }));
    expect(formatted.extensions?.['code']).toBe(exception.code);
    expect(entries).toEqual({ client: [[exception.code, `cluster: ${exception.code} ${exception.message}`]], internal: [] });
  });

  it('keep an unexpected error whole, and tell the caller nothing of it', () => {
    const { entries, format } = logged();
    const failure = new Error('connection terminated');
    expect(format({ message: failure.message, path: ['clusters'] }, new GraphQLError(failure.message, { originalError: failure }))).toEqual({ message: 'internal error', path: ['clusters'], extensions: { code: 'INTERNAL' } });
    expect(entries).toEqual({ client: [], internal: [failure] });
  });

  it('name a variable of the wrong type without repeating the value given', () => {
    const { entries, format } = logged();
    const message = 'Variable "$input" got invalid value { authSecret: "capstan_AbCdEfGhIjKlMnOpQrStUv" }; Field "name" of required type "String!" was not provided.';
    const formatted = format({ message, extensions: { code: 'BAD_USER_INPUT' } }, new GraphQLError(message));
    expect(formatted.extensions).toEqual({ code: 'INVALID_ARGUMENT', fields: [{ field: 'input', message }] });
    expect(entries.client).toEqual([[CapstanErrorCode.InvalidArgument, 'request: BAD_USER_INPUT variable input is not valid']]);
  });
});
