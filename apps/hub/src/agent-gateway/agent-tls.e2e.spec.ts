import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAgentOptions, HubClient } from '@capstan/agent-engine';
import { status } from '@grpc/grpc-js';
import { type Hub, startHub } from '../hub';

const reconnect = { initialMs: defaultAgentOptions().reconnectInitialMs, maxMs: defaultAgentOptions().reconnectMaxMs };

describe("the agents' gRPC API over TLS", () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'capstan-tls-'));
  let hub: Hub;

  beforeAll(async () => {
    hub = await startHub({ host: '127.0.0.1', port: 0, grpcPort: 0, grpcInsecure: false, stateDir, dataDir: null, logLevel: 'silent' });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('serves TLS with its self-signed certificate to an agent that trusts it', async () => {
    const client = new HubClient({ address: `localhost:${hub.grpcPort}`, insecure: false, certificateAuthority: readFileSync(join(stateDir, 'tls/grpc.crt'), 'utf8') }, reconnect);
    try {
      // The handshake succeeded when the hub itself answers: the token is refused, not the connection.
      await expect(client.register('capstan_unknown', { agentVersion: '0.1.0', kubernetesVersion: '' })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    } finally {
      client.close();
    }
  });

  it('is refused by an agent that does not trust the certificate, and by a plain-text one', async () => {
    for (const endpoint of [{ insecure: false }, { insecure: true }]) {
      const client = new HubClient({ address: `localhost:${hub.grpcPort}`, ...endpoint }, reconnect);
      try {
        await expect(client.register('capstan_unknown', { agentVersion: '0.1.0', kubernetesVersion: '' })).rejects.toMatchObject({ code: status.UNAVAILABLE });
      } finally {
        client.close();
      }
    }
  });
});
