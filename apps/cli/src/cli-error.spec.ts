import { CliError, ExitCode, exitCodeForHubCode, exitCodeHelp } from './cli-error';
import { cliErrorOfGraphqlErrors, cliErrorOfHttpStatus, cliErrorOfSocketClose, cliErrorOfTransportFailure } from './hub/hub-errors';

const hub = 'http://127.0.0.1:4000';

describe('exit codes', () => {
  it.each([
    ['INVALID_ARGUMENT', 2],
    ['NOT_FOUND', 3],
    ['UNAUTHENTICATED', 4],
    ['PERMISSION_DENIED', 4],
    ['CONFLICT', 6],
    ['INTERNAL', 1],
    ['SOMETHING_NEW', 1],
    [undefined, 1],
  ])('maps the hub code %s to exit code %i', (code, exitCode) => {
    expect(exitCodeForHubCode(code)).toBe(exitCode);
    expect(cliErrorOfGraphqlErrors([{ message: 'm', extensions: { code } }], hub).exitCode).toBe(exitCode);
  });

  it('keeps every exit code distinct, and documents each', () => {
    const codes = Object.values(ExitCode).filter((value): value is number => typeof value === 'number');
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(exitCodeHelp).toMatch(new RegExp(`^ {2}${code} `, 'm'));
  });

  it("tells the hub's message, with the fields of bad input it does not already name", () => {
    const error = cliErrorOfGraphqlErrors([{ message: 'input is not valid', extensions: { code: 'INVALID_ARGUMENT', fields: [{ field: 'input.labels', message: 'must be a map' }] } }], hub);
    expect(error.message).toBe('input is not valid; input.labels: must be a map');
    expect(cliErrorOfGraphqlErrors([{ message: 'input.name: is too long', extensions: { code: 'INVALID_ARGUMENT', fields: [{ field: 'input.name', message: 'is too long' }] } }], hub).message).toBe('input.name: is too long');
  });

  it('tells how to log in again when the token is refused', () => {
    expect(cliErrorOfGraphqlErrors([{ message: 'the bearer token is not valid', extensions: { code: 'UNAUTHENTICATED' } }], hub).message).toBe(
      'the bearer token is not valid (hub http://127.0.0.1:4000): log in again with capstan login, or check CAPSTAN_TOKEN',
    );
  });

  it('does not pass on what an internal error says', () => {
    expect(cliErrorOfGraphqlErrors([{ message: 'internal error', extensions: { code: 'INTERNAL' } }], hub).message).toBe('the hub at http://127.0.0.1:4000 failed with an internal error; its log tells why');
  });

  it('maps failures to reach the hub to exit code 5, saying which', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4000'), { code: 'ECONNREFUSED' }) });
    const bothFamilies = Object.assign(new TypeError('fetch failed'), { cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]) });
    const dns = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND hub'), { code: 'ENOTFOUND' }) });
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const errors = [refused, bothFamilies, dns, timeout].map((failure) => cliErrorOfTransportFailure(failure, hub, 30_000));
    expect(errors.map((error) => [error.exitCode, error.message])).toEqual([
      [5, 'cannot reach the hub at http://127.0.0.1:4000: connection refused'],
      [5, 'cannot reach the hub at http://127.0.0.1:4000: connection refused'],
      [5, 'cannot reach the hub at http://127.0.0.1:4000: host not found'],
      [5, 'cannot reach the hub at http://127.0.0.1:4000: no answer within 30 s'],
    ]);
  });

  it('maps HTTP answers without a GraphQL response: gateway errors 5, refusals 4, anything else 1', () => {
    expect([502, 503, 504, 401, 403, 404, 500].map((status) => cliErrorOfHttpStatus(status, hub).exitCode)).toEqual([5, 5, 5, 4, 4, 1, 1]);
  });

  it('maps how a subscription socket closed: refused 4, lost 5', () => {
    expect([4403, 4401, 4400, 1006, 1001].map((code) => cliErrorOfSocketClose({ code }, hub).exitCode)).toEqual([4, 4, 1, 5, 5]);
  });

  it('is a CliError whatever the mapping', () => {
    expect(cliErrorOfHttpStatus(404, hub)).toBeInstanceOf(CliError);
  });
});
