/**
 * Running the CLI and the fixtures as `nobody` (uid 65534), wherever the checkout lives.
 *
 * nobody must be able to reach what it runs: in a checkout under a directory others cannot traverse (a
 * 0700 home, `mktemp -d`) it cannot load dist/bin/kcmp.js or exec the fixtures in .cache/. Then what it
 * runs — dist/, package.json, the runtime node_modules and the built fixtures — is copied once per test
 * process into a world-readable temporary directory, and the wrapper rewrites every argument under the
 * checkout to the copy:
 *
 *   runCli(['doctor'], { wrapper: nobodyWrapper() })
 *   // setpriv --reuid=65534 … sh -c MAP REPO STAGE node REPO/dist/bin/kcmp.js doctor
 *   //                                                  → node STAGE/dist/bin/kcmp.js doctor
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkfdsBinary } from '../fixture/mkfds.js';
import { seccompLauncher } from '../fixture/seccomp.js';
import { CLI } from './cli.js';

/** Switches to nobody, as every such test does; `nobodyWrapper()` adds the staging when it is needed. */
export const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] as const;

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What the CLI loads at run time besides its dependencies: its code, package.json, the fixtures. */
const STAGED = ['dist', 'package.json', '.cache'];
/** Rewrites each argument that starts with "$R/" to "$S/…", then runs the result. */
const MAP =
  `R=$1 S=$2; shift 2; n=$#; while [ "$n" -gt 0 ]; do a=$1; shift; case $a in "$R"/*) a=$S/\${a#"$R"/};; ` +
  'esac; set -- "$@" "$a"; n=$((n - 1)); done; exec "$@"';

let wrapper: string[] | undefined;

/** True when nobody can read `path` (every directory above it traversable). */
function nobodyCanRead(path: string): boolean {
  return spawnSync(NOBODY[0], [...NOBODY.slice(1), 'test', '-r', path]).status === 0;
}

/** The argv prefix that runs a command as nobody, staging the checkout first if nobody cannot reach it. */
export function nobodyWrapper(): string[] {
  if (wrapper) return wrapper;
  mkfdsBinary(); // build the fixtures now, so that the copy has them
  seccompLauncher();
  if (nobodyCanRead(CLI) && nobodyCanRead(mkfdsBinary())) {
    wrapper = [...NOBODY];
    return wrapper;
  }
  const stage = mkdtempSync(join(tmpdir(), 'kcmp-nobody-'));
  chmodSync(stage, 0o755);
  process.on('exit', () => rmSync(stage, { recursive: true, force: true }));
  for (const path of [...STAGED, ...runtimePackages()]) {
    cpSync(join(REPO, path), join(stage, path), { recursive: true });
  }
  readableByAll(stage); // a checkout made under umask 077 has 0600 files
  for (const path of [CLI, mkfdsBinary(), seccompLauncher()]) {
    const copy = join(stage, relative(REPO, path));
    if (!nobodyCanRead(copy)) throw new Error(`staged ${copy}, and nobody still cannot read it`);
  }
  wrapper = [...NOBODY, 'sh', '-c', MAP, 'sh', REPO, stage];
  return wrapper;
}

/** chmod -R a+rX */
function readableByAll(path: string): void {
  const { mode } = statSync(path);
  const directory = (mode & 0o170000) === 0o040000;
  chmodSync(path, mode | 0o444 | (directory || mode & 0o111 ? 0o111 : 0));
  if (directory) for (const entry of readdirSync(path)) readableByAll(join(path, entry));
}

/**
 * node_modules/NAME of every package the CLI may load: the dependencies of package.json, and theirs, with
 * optional ones (koffi's native binary is the optional package @koromix/koffi-PLATFORM). A dependency
 * not hoisted to the top lives in its parent's own node_modules, which is copied with the parent.
 */
function runtimePackages(): string[] {
  const found = new Set<string>();
  const visit = (dir: string) => {
    const manifest = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const path = `node_modules/${name}`;
      if (found.has(path) || !existsSync(join(REPO, path))) continue;
      found.add(path);
      visit(path);
    }
  };
  visit('.');
  return [...found];
}
