/**
 * The argv that runs a module beside `moduleUrl` as a node child process: the compiled `.js` file, or,
 * when the caller itself runs from TypeScript source (under tsx), the `.ts` file through tsx's loader.
 *
 *   spawn(...nodeScript(import.meta.url, 'probe-child'))   // node …/probe-child.js
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function nodeScript(moduleUrl: string, name: string): [string, ...string[]] {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
    return [process.execPath, '--import', tsx, join(dirname(here), `${name}.ts`)];
  }
  return [process.execPath, join(dirname(here), `${name}.js`)];
}
