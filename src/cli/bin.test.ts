/**
 * The real executable: bin/switchboard.mjs in a child process, so the tsx loading, argument
 * passing, exit codes and stream wiring are proven, not just main().
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/switchboard.mjs', import.meta.url));

function runBin(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      // A clean environment: no key or URL of the developer's leaks into the test.
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bin/switchboard.mjs', () => {
  it('--help prints the commands and exits 0', async () => {
    const run = await runBin(['--help']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: switchboard <command> \[options\]/);
    for (const command of [
      'trunks',
      'rules',
      'calls',
      'call',
      'keys',
      'webhooks',
      'registrations',
      'login',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    }
  });

  it('exits 2 on a usage error and 3 when the server cannot be reached', async () => {
    const usage = await runBin(['trunk', 'list']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("did you mean 'switchboard trunks'?");
    // Port 9 (discard) on loopback: nothing listens there on a test machine.
    const down = await runBin(['calls', 'list'], { SWITCHBOARD_API_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('error: cannot reach the server at http://127.0.0.1:9');
  });
});
