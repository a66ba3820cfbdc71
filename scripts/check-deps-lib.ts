/**
 * The dependency-direction checker: finds every import in src/ and reports those that break
 * the rules in dependency-rules.ts. Kept apart from the CLI so it can be unit-tested.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ALLOWED, ALLOWED_PACKAGES, COMPOSITION_ROOTS } from './dependency-rules.js';

/** One broken rule. */
export interface Violation {
  file: string;
  specifier: string;
  message: string;
}

const IMPORT_RE =
  /(?:^|[;\s])(?:import|export)\s+(?:type\s+)?(?:[\s\S]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module specifier imported or re-exported by a source text. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  // Comments can mention "import x from 'y'" in prose; strip them first.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"])\/\/.*$/gm, '$1');
  for (const m of code.matchAll(IMPORT_RE)) out.push((m[1] ?? m[2])!);
  return out;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Checks one file's imports; `srcDir` is the absolute path of src/. */
export function checkFile(srcDir: string, file: string, source: string): Violation[] {
  const rel = relative(srcDir, file).split(sep);
  const room = rel.length > 1 ? rel[0]! : undefined;
  const isTest = file.endsWith('.test.ts');
  const violations: Violation[] = [];
  for (const spec of importsOf(source)) {
    if (spec.startsWith('.')) {
      const target = relative(srcDir, resolve(dirname(file), spec)).split(sep);
      if (target[0] === '..') continue; // test fixtures outside src/ are not rooms
      const targetRoom = target.length > 1 ? target[0]! : undefined;
      if (room === undefined) continue; // composition roots may import anything
      if (targetRoom === room) continue;
      if (targetRoom === undefined) {
        violations.push({
          file,
          specifier: spec,
          message: `${room}/ must not import the composition root (${target.join('/')})`,
        });
        continue;
      }
      const allowed = ALLOWED[room];
      if (!allowed) {
        violations.push({ file, specifier: spec, message: `room ${room}/ has no dependency rule` });
      } else if (!allowed.includes(targetRoom)) {
        violations.push({
          file,
          specifier: spec,
          message: `${room}/ may not import ${targetRoom}/ (allowed: ${allowed.join(', ') || 'nothing'})`,
        });
      } else if (
        !(target.length === 2 && target[1] === 'index.js') &&
        // Tests may also use another room's test kit, through its own index.
        !(isTest && target.length === 3 && target[1] === 'testing' && target[2] === 'index.js')
      ) {
        violations.push({
          file,
          specifier: spec,
          message: `import ${targetRoom}/ through its public index.js (tests: or testing/index.js), not its internals`,
        });
      }
    } else if (room !== undefined && !isTest) {
      const pkgs = ALLOWED_PACKAGES[room];
      const name = packageName(spec);
      const builtin = spec.startsWith('node:') || builtinModules.includes(name);
      if (pkgs && !builtin && !pkgs.includes(name)) {
        violations.push({
          file,
          specifier: spec,
          message: `${room}/ may only use Node built-ins${pkgs.length ? ` and ${pkgs.join(', ')}` : ''}`,
        });
      }
    }
  }
  if (room === undefined && !COMPOSITION_ROOTS.includes(rel[0]!) && !isTest) {
    violations.push({
      file,
      specifier: '',
      message: `top-level file ${rel[0]} is not a known composition root; put it in a room`,
    });
  }
  return violations;
}

/** Checks every TypeScript file under `srcDir`. */
export function checkTree(srcDir: string): Violation[] {
  const abs = resolve(srcDir);
  return listTs(abs).flatMap((f) => checkFile(abs, f, readFileSync(f, 'utf8')));
}
