import { resolve } from 'node:path';
import { ConfigError, loadHubConfig } from './hub-config';

describe('hub configuration', () => {
  it('defaults to port 4000 and the embedded database in ./.capstan/data', () => {
    expect(loadHubConfig([], {})).toEqual({
      host: '0.0.0.0',
      port: 4000,
      grpcPort: 4001,
      grpcInsecure: false,
      publicGrpcAddress: undefined,
      agentImage: 'capstan/agent:0.1.0',
      stateDir: resolve('.capstan'),
      dataDir: resolve('.capstan/data'),
      logLevel: 'info',
      logFormat: 'json',
      databaseUrl: undefined,
      adminToken: undefined,
      secretKey: undefined,
    });
  });

  it('logs human-readable lines on a terminal and JSON lines otherwise, unless told', () => {
    expect(loadHubConfig([], {}, true).logFormat).toBe('pretty');
    expect(loadHubConfig([], {}, false).logFormat).toBe('json');
    expect(loadHubConfig(['--log-format', 'json'], {}, true).logFormat).toBe('json');
    expect(loadHubConfig([], { CAPSTAN_LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
    expect(() => loadHubConfig(['--log-format', 'xml'], {})).toThrow('--log-format: must be one of pretty, json, got "xml"');
  });

  it.each(['capstan/agent:latest', 'capstan/agent', 'capstan/agent:0.1 extra'])('refuses %s as the agent image: it must be pinned', (image) => {
    expect(() => loadHubConfig(['--agent-image', image], {})).toThrow('--agent-image: must be an image pinned to a version tag');
  });

  it.each(['registry.example.com:5000/capstan/agent:0.2.0', `capstan/agent@sha256:${'a'.repeat(64)}`])('takes %s as the agent image', (image) => {
    expect(loadHubConfig([], { CAPSTAN_AGENT_IMAGE: image }).agentImage).toBe(image);
  });

  it('takes flags over environment variables', () => {
    const config = loadHubConfig(['--port', '4100', '--data-dir', '/tmp/x'], { CAPSTAN_PORT: '4200', CAPSTAN_DATA_DIR: '/tmp/y' });
    expect(config.port).toBe(4100);
    expect(config.dataDir).toBe('/tmp/x');
  });

  it('keeps the embedded database inside the state directory unless told otherwise', () => {
    expect(loadHubConfig(['--state-dir', '/srv/capstan'], {}).dataDir).toBe('/srv/capstan/data');
    expect(loadHubConfig(['--state-dir', '/srv/capstan', '--data-dir', '/var/lib/pg'], {}).dataDir).toBe('/var/lib/pg');
  });

  it.each(['hub.example.com:4001', '10.0.0.7:443', '[fd00::1]:4001'])('takes %s as the public gRPC address', (address) => {
    expect(loadHubConfig(['--public-grpc-address', address], {}).publicGrpcAddress).toBe(address);
    expect(loadHubConfig([], { CAPSTAN_PUBLIC_GRPC_ADDRESS: address }).publicGrpcAddress).toBe(address);
  });

  it('reads DATABASE_URL and CAPSTAN_ADMIN_TOKEN from the environment', () => {
    const config = loadHubConfig([], { DATABASE_URL: 'postgres://capstan@db:5432/capstan', CAPSTAN_ADMIN_TOKEN: 'a-long-enough-admin-token-123' });
    expect(config.databaseUrl).toBe('postgres://capstan@db:5432/capstan');
    expect(config.adminToken).toBe('a-long-enough-admin-token-123');
  });

  it.each([
    [['--port', 'eighty'], {}, '--port: must be an integer from 0 to 65535, got "eighty"'],
    [[], { CAPSTAN_PORT: '70000' }, 'CAPSTAN_PORT: must be an integer from 0 to 65535, got "70000"'],
    [[], { DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL: must be a postgres:// or postgresql:// URL, got "mysql:"'],
    [[], { CAPSTAN_ADMIN_TOKEN: 'short' }, 'CAPSTAN_ADMIN_TOKEN: must be at least 24 characters'],
    [[], { CAPSTAN_SECRET_KEY: 'c2hvcnQ=' }, 'CAPSTAN_SECRET_KEY: must be 32 bytes in base64'],
    [['--log-level', 'loud'], {}, '--log-level: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [['--public-grpc-address', 'https://hub.example.com'], {}, '--public-grpc-address: must be host:port as agents reach the hub, e.g. hub.example.com:4001, got "https://hub.example.com"'],
    [[], { CAPSTAN_PUBLIC_GRPC_ADDRESS: 'hub:0' }, 'CAPSTAN_PUBLIC_GRPC_ADDRESS: must be host:port'],
    [['--colour'], {}, "unknown option '--colour'"],
  ])('refuses %j %j naming the setting', (argv, env, message) => {
    expect(() => loadHubConfig(argv, env)).toThrow(ConfigError);
    expect(() => loadHubConfig(argv, env)).toThrow(message);
  });
});
