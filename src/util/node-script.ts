/**
 * The argv that runs a module beside `moduleUrl` as a node child process: the compiled `.js` file, or,
 * when the caller itself runs from TypeScript source (under tsx), the `.ts` file through tsx's loader.
 *
 *   spawn(...nodeScript(import.meta.url, 'probe-child'))   // node …/probe-child.js
 *
 * Where Node has it (≥ 22.14 / 23.7), `--disable-sigusr1` keeps Node from installing its SIGUSR1 handler,
 * the one that opens the inspector, in the child at all; the child's own guard (sigusr1-guard.ts) covers
 * older releases, from its first module on.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function nodeScript(moduleUrl: string, name: string): [string, ...string[]] {
  const here = fileURLToPath(moduleUrl);
  const flags = process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') ? ['--disable-sigusr1'] : [];
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
    return [process.execPath, ...flags, '--import', tsx, join(dirname(here), `${name}.ts`)];
  }
  return [process.execPath, ...flags, join(dirname(here), `${name}.js`)];
}
