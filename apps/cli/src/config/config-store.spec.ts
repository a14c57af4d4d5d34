import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExitCode } from '../cli-error';
import { ConfigStore, configFilePath } from './config-store';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('CLI config store', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'capstan-config-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('keeps the config under XDG_CONFIG_HOME, else ~/.config, ignoring a relative XDG_CONFIG_HOME', () => {
    expect(configFilePath({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/ann' })).toBe('/xdg/capstan/config.json');
    expect(configFilePath({ HOME: '/home/ann' })).toBe('/home/ann/.config/capstan/config.json');
    expect(configFilePath({ XDG_CONFIG_HOME: 'relative', HOME: '/home/ann' })).toBe('/home/ann/.config/capstan/config.json');
  });

  it('writes the file readable by its owner only (0600) in a directory only its owner may enter (0700)', () => {
    const previous = process.umask(0o022);
    try {
      const store = new ConfigStore(configFilePath({ XDG_CONFIG_HOME: home }));
      store.saveContext('prod', { hub: 'https://hub.example.com', token: 'secret-token' });
      expect(modeOf(store.file)).toBe(0o600);
      expect(modeOf(dirname(store.file))).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });

  it('tightens the modes of a directory and file that were looser', () => {
    const store = new ConfigStore(join(home, 'capstan', 'config.json'));
    mkdirSync(dirname(store.file), { mode: 0o755 });
    chmodSync(dirname(store.file), 0o755);
    writeFileSync(store.file, '{"current":null,"contexts":{}}', { mode: 0o644 });
    store.saveContext('dev', { hub: 'http://127.0.0.1:4000', token: 't' });
    expect([modeOf(dirname(store.file)), modeOf(store.file)]).toEqual([0o700, 0o600]);
  });

  it('keeps contexts as kubectl does: { current, contexts: { name: { hub, token } } }, the last saved current', () => {
    const store = new ConfigStore(join(home, 'capstan', 'config.json'));
    store.saveContext('prod', { hub: 'https://prod.example.com', token: 'p' });
    store.saveContext('dev', { hub: 'http://127.0.0.1:4000', token: 'd' });
    expect(JSON.parse(readFileSync(store.file, 'utf8'))).toEqual({
      current: 'dev',
      contexts: { prod: { hub: 'https://prod.example.com', token: 'p' }, dev: { hub: 'http://127.0.0.1:4000', token: 'd' } },
    });
    store.useContext('prod');
    expect(store.read().current).toBe('prod');
  });

  it('replaces a context saved again under the same name', () => {
    const store = new ConfigStore(join(home, 'capstan', 'config.json'));
    store.saveContext('prod', { hub: 'https://old.example.com', token: 'old' });
    store.saveContext('prod', { hub: 'https://new.example.com', token: 'new' });
    expect(store.read().contexts).toEqual({ prod: { hub: 'https://new.example.com', token: 'new' } });
  });

  it('reads no file as no contexts, and refuses to use a context it does not have (exit 3)', () => {
    const store = new ConfigStore(join(home, 'capstan', 'config.json'));
    expect(store.read()).toEqual({ current: null, contexts: {} });
    expect(() => store.useContext('nowhere')).toThrow(expect.objectContaining({ exitCode: ExitCode.NotFound, message: expect.stringContaining('context "nowhere" not found') }));
  });

  it('names the file when it is not JSON', () => {
    const store = new ConfigStore(join(home, 'config.json'));
    writeFileSync(store.file, '{ not json');
    expect(() => store.read()).toThrow(`${store.file}: not valid JSON`);
  });
});
