import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentInstallCommand, defaultHubAddress, selfSignedCertificate } from './agent-install-command';

const hubPublicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
const certificate = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=capstan-hub', '-keyout', join(dir, 'key'), '-out', join(dir, 'crt')], { stdio: 'pipe' });
    return readFileSync(join(dir, 'crt'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

const homes: string[] = [];
afterAll(() => homes.forEach((home) => rmSync(home, { recursive: true, force: true })));

/** Runs the command with `shell` in a fresh HOME, `npx` standing in for itself by printing its arguments one per line. */
function run(shell: string, command: string) {
  const home = mkdtempSync(join(tmpdir(), 'capstan-home-'));
  homes.push(home);
  const bin = join(home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'npx'), '#!/bin/sh\nfor argument in "$@"; do printf "%s\\n" "$argument"; done\n');
  chmodSync(join(bin, 'npx'), 0o755);
  const printed = execFileSync(shell, ['-c', command], { env: { PATH: `${bin}:${process.env['PATH']}`, HOME: home, KUBECONFIG: '/etc/kube/config' }, encoding: 'utf8' });
  const read = (file: string) => readFileSync(join(home, '.capstan/agents/eu-1', file), 'utf8');
  return { args: printed.trim().split('\n'), home, read };
}

describe('the agent command', () => {
  const installation = { cluster: 'eu-1', hubAddress: 'hub.example.com:4001', token: 'capstan_abc-DEF_123', hubPublicKey, certificateAuthority: certificate, insecure: false };

  it.each(['sh', 'bash'])('runs as pasted into %s: it writes the hub key and CA and runs the agent with them', (shell) => {
    const { args, home, read } = run(shell, agentInstallCommand(installation));
    expect(read('hub.pub')).toBe(hubPublicKey);
    expect(read('hub-ca.crt')).toBe(certificate);
    const dir = join(home, '.capstan/agents/eu-1');
    expect(args).toEqual(['capstan', 'agent', '--hub', 'hub.example.com:4001', '--hub-ca', `${dir}/hub-ca.crt`, '--hub-public-key', `${dir}/hub.pub`, '--credential-file', `${dir}/credential`, '--token', 'capstan_abc-DEF_123', '--kubeconfig', '/etc/kube/config']);
  });

  it('is one line', () => {
    expect(agentInstallCommand(installation)).not.toContain('\n');
  });

  it('connects without TLS to a hub that serves none, and trusts the system CAs for a certificate a CA issued', () => {
    expect(run('sh', agentInstallCommand({ ...installation, insecure: true })).args).toContain('--insecure');
    const trusted = run('sh', agentInstallCommand({ ...installation, certificateAuthority: null })).args;
    expect(trusted).not.toContain('--hub-ca');
    expect(trusted).not.toContain('--insecure');
  });

  it('refuses a key that would break out of its quotes', () => {
    expect(() => agentInstallCommand({ ...installation, hubPublicKey: "-----BEGIN PUBLIC KEY-----\n'; rm -rf ~; '\n" })).toThrow("the hub's public key holds characters a PEM file does not");
  });
});

describe('the hub address agents are given', () => {
  it.each([
    ['0.0.0.0', 4001, 'localhost:4001'],
    ['::', 4001, 'localhost:4001'],
    ['127.0.0.1', 4101, '127.0.0.1:4101'],
    ['hub.internal', 4001, 'hub.internal:4001'],
    ['fd00::1', 4001, '[fd00::1]:4001'],
  ])('for a hub listening on %s port %d is %s', (host, port, expected) => {
    expect(defaultHubAddress(host, port)).toBe(expected);
  });
});

describe("the hub's certificate", () => {
  it('is given to agents when it signed itself', () => {
    expect(selfSignedCertificate(certificate)).toBe(certificate);
  });

  it('is not when it is no certificate', () => {
    expect(selfSignedCertificate('not a certificate')).toBeNull();
  });
});
