import { ExitCode } from '../cli-error';
import type { CliConfig } from './config-store';
import { normalizeHubUrl, resolveHubTarget } from './hub-target';

const config: CliConfig = {
  current: 'dev',
  contexts: { dev: { hub: 'http://127.0.0.1:4000', token: 'dev-token' }, prod: { hub: 'https://hub.example.com/', token: 'prod-token' } },
};

describe('choosing the hub and token', () => {
  it('uses the current context', () => {
    expect(resolveHubTarget(config, {})).toEqual({ hub: 'http://127.0.0.1:4000', token: 'dev-token', context: 'dev' });
  });

  it('uses the context named by --context instead', () => {
    expect(resolveHubTarget(config, {}, 'prod')).toEqual({ hub: 'https://hub.example.com', token: 'prod-token', context: 'prod' });
  });

  it('lets CAPSTAN_HUB and CAPSTAN_TOKEN override the context, each on its own', () => {
    expect(resolveHubTarget(config, { CAPSTAN_TOKEN: 'env-token' })).toMatchObject({ hub: 'http://127.0.0.1:4000', token: 'env-token' });
    expect(resolveHubTarget(config, { CAPSTAN_HUB: 'http://other:4000' }, 'prod')).toMatchObject({ hub: 'http://other:4000', token: 'prod-token' });
    expect(resolveHubTarget({ current: null, contexts: {} }, { CAPSTAN_HUB: 'http://env:4000', CAPSTAN_TOKEN: 't' })).toEqual({ hub: 'http://env:4000', token: 't', context: null });
  });

  it('refuses a --context that does not exist (exit 3), even with the environment set', () => {
    expect(() => resolveHubTarget(config, { CAPSTAN_HUB: 'http://env:4000', CAPSTAN_TOKEN: 't' }, 'staging')).toThrow(
      expect.objectContaining({ exitCode: ExitCode.NotFound, message: expect.stringContaining('known contexts: dev, prod') }),
    );
  });

  it('asks to log in when there is no hub (exit 2) or no token (exit 4)', () => {
    const empty: CliConfig = { current: null, contexts: {} };
    expect(() => resolveHubTarget(empty, {})).toThrow(expect.objectContaining({ exitCode: ExitCode.InvalidInput, message: expect.stringContaining('capstan login') }));
    expect(() => resolveHubTarget(empty, { CAPSTAN_HUB: 'http://env:4000' })).toThrow(expect.objectContaining({ exitCode: ExitCode.Unauthorized }));
  });

  it('keeps hub URLs without a trailing slash or /graphql, and refuses what is not http(s)', () => {
    expect(normalizeHubUrl('http://127.0.0.1:4000/')).toBe('http://127.0.0.1:4000');
    expect(normalizeHubUrl('https://hub.example.com/capstan/graphql')).toBe('https://hub.example.com/capstan');
    expect(() => normalizeHubUrl('127.0.0.1:4000')).toThrow(expect.objectContaining({ exitCode: ExitCode.InvalidInput }));
    expect(() => normalizeHubUrl('ftp://hub')).toThrow('expected an http:// or https:// URL');
  });

  it('refuses credentials in the URL without repeating them', () => {
    expect(() => normalizeHubUrl('https://ann:s3cret@hub.example.com')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
  });
});
