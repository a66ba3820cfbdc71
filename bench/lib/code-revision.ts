/**
 * Which code a benchmark measured: package version, git commit, and whether `src/` had
 * uncommitted changes (then the commit alone does not identify the code).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Version and commit of the measured code. */
export interface CodeRevision {
  version: string;
  gitCommit: string | undefined;
  gitDirty: boolean;
}

/** Reads package.json's version and `git rev-parse`/`git status -- src` in `repoRoot`. */
export function codeRevision(repoRoot: string): CodeRevision {
  let version = 'unknown';
  try {
    const pkg: unknown = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    if (pkg && typeof pkg === 'object' && 'version' in pkg && typeof pkg.version === 'string') {
      version = pkg.version;
    }
  } catch {
    // Keep "unknown": the version is informational.
  }
  const git = (args: string[]): string | undefined => {
    const r = spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8', timeout: 5000 });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  const status = git(['status', '--porcelain', '--', 'src']);
  return {
    version,
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: status !== undefined && status.length > 0,
  };
}

/** The CPU clock from `/proc/cpuinfo` (first `cpu MHz` line), or `undefined`. */
export function cpuMhz(): number | undefined {
  try {
    const match = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
