/**
 * Loads koffi for src/sys/libc.ts: its prebuilt native module directly where koffi's own loader would pick
 * that very file, koffi's JavaScript entry otherwise.
 *
 * Why: `require('koffi')` runs koffi's loader (two bundled files, its platform package's loader, a
 * deprecation wrapper around load() and register()) before the one `.node` file it ends on: ~5 ms, against
 * ~1.3 ms for the `.node` file alone, in a `kcmp fds -p PID` that takes ~50 ms (bench/README.md,
 * "Start-up"). kcmp calls none of what the wrapper adds (lib.cdecl and the other deprecated aliases).
 *
 * koffi 3.x's selection, mirrored here for the two platform packages whose loader is known (their
 * index.js, built from koffi's tools/loaders/linux-{x64,arm64}.js): on Linux, koffi requires
 * `@koromix/koffi-linux-ARCH` as Node's lookup finds it from koffi's own directory, and that package
 * requires `musl_ARCH/koffi.node` when the ELF interpreter of Node's binary (PT_INTERP) is musl's
 * (`ld-musl-*`), `linux_ARCH/koffi.node` otherwise. Every other case goes to koffi's loader: another
 * architecture (arm's float ABI, riscv64's, ppc64's byte order decide its file), a copy of the platform
 * package nested under koffi (npm puts one there when versions conflict: that is the one koffi would find),
 * no PT_INTERP (a static Node), a missing file, a file that does not load, or a native module whose version
 * is not koffi's (koffi refuses those too).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type Koffi = typeof import('koffi');

/** process.arch values whose platform package's file is chosen by the C library alone. */
const LIBC_ONLY = new Set(['x64', 'arm64']);

const PT_INTERP = 3;

/**
 * The path in `file`'s PT_INTERP program header, for a 64-bit little-endian ELF file (what x64 and arm64
 * run), or undefined: another format, no such header (a static binary), a short read.
 */
export function elfInterpreter(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const read = (position: number, length: number): Buffer | undefined => {
      const buf = Buffer.alloc(length);
      return readSync(fd, buf, 0, length, position) === length ? buf : undefined;
    };
    const header = read(0, 64);
    // "\x7fELF", ELFCLASS64, ELFDATA2LSB
    if (header?.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return undefined;
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    if (phentsize < 56) return undefined;
    const table = read(phoff, phentsize * phnum);
    if (table === undefined) return undefined;
    for (let at = 0; at < table.length; at += phentsize) {
      if (table.readUInt32LE(at) !== PT_INTERP) continue;
      const path = read(Number(table.readBigUInt64LE(at + 8)), Number(table.readBigUInt64LE(at + 32)));
      return path?.toString('latin1').replace(/\0$/, '');
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** koffi's native module, loaded without koffi's loader, or undefined where that loader must decide. */
function prebuilt(require: NodeJS.Require, modules: URL): Koffi | undefined {
  const arch = process.arch;
  if (process.platform !== 'linux' || !LIBC_ONLY.has(arch)) return undefined;
  const pkg = `@koromix/koffi-linux-${arch}`;
  if (existsSync(fileURLToPath(new URL(`koffi/node_modules/${pkg}`, modules)))) return undefined;
  const interpreter = elfInterpreter(process.execPath);
  if (interpreter === undefined) return undefined;
  const libc = /(^|\/)ld-musl-[^/]*$/.test(interpreter) ? 'musl' : 'linux';
  const file = fileURLToPath(new URL(`${pkg}/${libc}_${arch}/koffi.node`, modules));
  if (!existsSync(file)) return undefined;
  try {
    const { version } = JSON.parse(readFileSync(new URL('koffi/package.json', modules), 'utf8'));
    const native = require(file) as Koffi;
    return native.version === version ? native : undefined;
  } catch {
    return undefined; // koffi's loader tries the other file, and says why none loads
  }
}

/**
 * koffi, from the package's own node_modules when it is there, as Node's lookup would find it from this
 * module, without Node's ES module resolver: koffi's package.json has an "exports" map, and resolving a
 * name through one loads that resolver first (~2 ms). This module is two levels below the package root in
 * every layout (src/sys, dist/sys, the bundle's dist/bin), so where the package's own node_modules holds
 * koffi (a checkout, a global install), the file its exports map names for require() is the first one that
 * lookup would find; otherwise (koffi hoisted above the package) the name is looked up.
 */
export function loadKoffi(): Koffi {
  const require = createRequire(import.meta.url);
  const modules = new URL('../../node_modules/', import.meta.url);
  const entry = fileURLToPath(new URL('koffi/index.cjs', modules));
  if (!existsSync(entry)) return require('koffi') as Koffi;
  return prebuilt(require, modules) ?? (require(entry) as Koffi);
}
