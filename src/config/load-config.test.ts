import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const noFile = join(tmpdir(), 'definitely-not-here-switchboard.yaml');

function load(env: Record<string, string>, file?: string) {
  return loadConfig({ env: file ? env : { ...env }, file: file ?? undefined });
}

describe('loadConfig', () => {
  it('gives working defaults with nothing configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cfg-'));
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, '');
    const c = load({}, file);
    expect(c.sip.port).toBe(5060);
    expect(c.sip.transports).toEqual(['udp', 'tcp']);
    expect(c.http.port).toBe(8080);
    expect(c.dataDir).toBe('./data');
    expect(c.rtp).toEqual({
      portMin: 10000,
      portMax: 20000,
      timeoutS: 60,
      jitterMinMs: 20,
      jitterMaxMs: 200,
    });
    expect(c.media.codecs).toEqual(['PCMU', 'PCMA', 'G722', 'opus']);
    expect(c.media.recordCalls).toBe(false);
    expect(c.media.promptExtension).toBe('1001');
  });

  it('reads the media settings from the environment and rejects bad ones by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cfg-'));
    const file = join(dir, 'none.yaml');
    writeFileSync(file, '');
    const c = load(
      {
        SWITCHBOARD_RTP_TIMEOUT_S: '5',
        SWITCHBOARD_CODECS: 'G722,PCMA',
        SWITCHBOARD_RECORD_CALLS: 'true',
        SWITCHBOARD_RECORDING_MODE: 'stereo',
        SWITCHBOARD_INBAND_DTMF: 'always',
      },
      file,
    );
    expect(c.rtp.timeoutS).toBe(5);
    expect(c.media.codecs).toEqual(['G722', 'PCMA']);
    expect(c.media.recordCalls).toBe(true);
    expect(c.media.recordingMode).toBe('stereo');
    expect(c.media.inbandDtmf).toBe('always');
    expect(() => load({ SWITCHBOARD_CODECS: 'GSM' }, file)).toThrow(/SWITCHBOARD_CODECS/);
    expect(() =>
      load({ SWITCHBOARD_JITTER_MIN_MS: '500', SWITCHBOARD_JITTER_MAX_MS: '100' }, file),
    ).toThrow(/jitterMinMs/);
  });

  it('reads SWITCHBOARD_* variables over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cfg-'));
    const file = join(dir, 'switchboard.yaml');
    writeFileSync(file, 'sip:\n  port: 5070\n  domain: example.com\nhttp:\n  port: 9000\n');
    const c = load(
      { SWITCHBOARD_SIP_PORT: '5080', SWITCHBOARD_SIP_USERS: 'alice:se:cret,bob:pw' },
      file,
    );
    expect(c.sip.port).toBe(5080);
    expect(c.sip.domain).toBe('example.com');
    expect(c.http.port).toBe(9000);
    expect(c.sip.users).toEqual([
      { username: 'alice', password: 'se:cret' },
      { username: 'bob', password: 'pw' },
    ]);
  });

  it('names the setting and the variable when a value is bad', () => {
    expect(() => loadConfig({ env: { SWITCHBOARD_SIP_PORT: 'abc' }, file: undefined })).toThrow(
      /sip\.port \(SWITCHBOARD_SIP_PORT\)/,
    );
    try {
      loadConfig({
        env: { SWITCHBOARD_RTP_PORT_MIN: '30000', SWITCHBOARD_RTP_PORT_MAX: '20000' },
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.join()).toMatch(/rtp\.portMin/);
    }
  });

  it('refuses unknown transports and TLS without a certificate', () => {
    expect(() => loadConfig({ env: { SWITCHBOARD_SIP_TRANSPORTS: 'udp,carrier-pigeon' } })).toThrow(
      /sip\.transports/,
    );
    expect(() => loadConfig({ env: { SWITCHBOARD_SIP_TRANSPORTS: 'udp,tls' } })).toThrow(
      /sip\.tlsCert/,
    );
  });

  it('reports a YAML file that does not exist when named explicitly', () => {
    expect(() => loadConfig({ env: {}, file: noFile })).toThrow(ConfigError);
  });

  it('applies overrides last', () => {
    const c = loadConfig({
      env: { SWITCHBOARD_SIP_PORT: '5080' },
      overrides: { sip: { port: 0 } },
    });
    expect(c.sip.port).toBe(0);
  });
});
