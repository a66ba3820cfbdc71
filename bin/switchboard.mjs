#!/usr/bin/env node
// The `switchboard` command. The CLI is TypeScript run through tsx (a runtime dependency), so
// it works from a checkout and through `npx switchboard` without a build step. tsImport
// scopes the TypeScript loader to this import instead of registering it for the whole
// process.
import process from 'node:process';
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../src/cli/main.ts', import.meta.url);

// `switchboard calls list | head` closes the pipe early: that is not an error worth a trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // Lazily: touching process.stdin before it is needed can hold the process open.
  stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
});
