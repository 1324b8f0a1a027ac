/**
 * The running kernel's program layout (program-layout.ts), read from its BTF once per boot, not once per
 * run: reading /sys/kernel/btf/vmlinux (5.5 MB, one page per read(2): ~1,300 calls) and indexing its
 * ~150,000 types costs ~10–15 ms a run; the kept answers, well under 1 KB, a fraction of a millisecond.
 *
 * Why the key suffices — (boot id, kernel release, the BTF file's size): vmlinux BTF is the kernel
 * image's own .BTF section, exposed read-only by sysfs; it cannot change while that kernel runs (module
 * BTF, which can come and go, lives in other files and is not read). /proc/sys/kernel/random/boot_id is
 * new at every boot, kexec included; release and size guard a cache copied between machines. Containers
 * share the host's kernel and boot id, so a cache in a pod's emptyDir stays right. Only the default BTF
 * is cached: a path chosen by KCMP_BTF is read every time.
 *
 * Where: KCMP_CACHE_DIR if set (the DaemonSet's emptyDir), else $CACHE_DIRECTORY (systemd's
 * CacheDirectory=, which ProtectSystem=strict leaves writable), else /var/cache/kcmp for root, else none.
 *
 * Trust: root runs a program built from these numbers, so the file is used only if no other user could
 * have planted or changed it — it and every directory on its path owned by root or us and writable by no
 * one else (sticky directories aside, directory-walk.ts), opened without following symlinks; it is
 * written atomically (replace-file.ts: O_CREAT|O_EXCL|O_NOFOLLOW, fsync, rename), read within MAX_BYTES
 * and checked field by field. A file that fails any check, or another boot's, is ignored and rewritten;
 * any error (a read-only filesystem, a missing directory) means the BTF is read as before: the cache
 * never fails a command. A layout is also kept in memory: the exporter loads the program every scan.
 */
import { closeSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { basename, dirname } from 'node:path';
import { SysError } from '../sys/sys-error.js';
import { inDirectory, openDirectory } from '../util/directory-walk.js';
import { TargetDirectory } from '../util/replace-file.js';
import { Btf, type BtfLayout, VMLINUX_BTF } from './btf.js';
import { type Answers, recordLayout, replay } from './program-layout.js';

const FORMAT = 'kcmp.btf-layout/1';
const FILE = 'btf-layout.json';
/** The file is ~1 KB; anything much larger is not ours. */
const MAX_BYTES = 64 * 1024;
const BOOT_ID = '/proc/sys/kernel/random/boot_id';
const ROOT_DEFAULT = '/var/cache/kcmp';

/** What makes a kept layout valid (see the header). */
export interface LayoutKey {
  bootId: string;
  release: string;
  btfSize: number;
}

/** Where the layout is kept for this process, or undefined for nowhere (see the header). */
export function cacheDirectory(env = process.env, euid = process.geteuid?.()): string | undefined {
  if (env.KCMP_CACHE_DIR) return env.KCMP_CACHE_DIR;
  // CacheDirectory= with several names sets a colon-separated list (systemd.exec(5)): ours is the first.
  const systemd = env.CACHE_DIRECTORY?.split(':')[0];
  if (systemd) return systemd;
  return euid === 0 ? ROOT_DEFAULT : undefined;
}

/** This boot's key for the default BTF, or undefined when it cannot be read (no cache then). */
export function currentKey(): LayoutKey | undefined {
  try {
    const bootId = readFileSync(BOOT_ID, 'latin1').trim();
    return bootId ? { bootId, release: release(), btfSize: statSync(VMLINUX_BTF).size } : undefined;
  } catch {
    return undefined;
  }
}

let kept: BtfLayout | undefined;

/**
 * The layout the program is built from: of `btfPath` read now, or for the default BTF, kept from earlier
 * this boot (see the header). Throws what Btf.load throws.
 */
export function programLayout(btfPath: string = VMLINUX_BTF): BtfLayout {
  if (btfPath !== VMLINUX_BTF) return Btf.load(btfPath);
  kept ??= cachedLayout(cacheDirectory(), currentKey(), () => Btf.load(btfPath));
  return kept;
}

/** The layout kept in `dir` under `key`, or else `load()`'s, then kept there. Throws what `load` throws. */
export function cachedLayout(
  dir: string | undefined,
  key: LayoutKey | undefined,
  load: () => BtfLayout,
): BtfLayout {
  const fresh = () => {
    const recorded = recordLayout(load());
    if (dir && key) writeLayout(dir, key, recorded.answers);
    return recorded;
  };
  const kept = dir && key ? readAnswers(dir, key) : undefined;
  return kept ? replay(kept, () => fresh().answers) : fresh().layout;
}

/** The answers kept in `dir` if the file is trusted, well formed and this boot's; else undefined. */
function readAnswers(dir: string, key: LayoutKey): Answers | undefined {
  try {
    const target = TargetDirectory.open(dir, { owned: true });
    try {
      return validAnswers(JSON.parse(target.readOwned(FILE, MAX_BYTES).toString('utf8')), key);
    } finally {
      target.close();
    }
  } catch {
    return undefined;
  }
}

/** Keeps `answers` in `dir` (created, mode 0700, in a trusted parent if missing); silent on any failure. */
function writeLayout(dir: string, key: LayoutKey, answers: Answers): void {
  const text = `${JSON.stringify({ format: FORMAT, key, answers })}\n`;
  try {
    const target = openCreating(dir);
    try {
      target.replace(FILE, text);
    } finally {
      target.close();
    }
  } catch {
    // A read-only filesystem, a directory another user controls, no room: the BTF is read next time.
  }
}

function openCreating(dir: string): TargetDirectory {
  try {
    return TargetDirectory.open(dir, { owned: true });
  } catch (error) {
    if (!(error instanceof SysError && error.errno === 'ENOENT')) throw error;
    const parent = openDirectory(dirname(dir), `cannot create ${dir}`, { owned: true });
    try {
      mkdirSync(inDirectory(parent, basename(dir)), 0o700);
    } finally {
      closeSync(parent);
    }
    return TargetDirectory.open(dir, { owned: true });
  }
}

/** `data`'s answers if it is a layout file of this key whose every answer has the right shape. */
function validAnswers(data: unknown, key: LayoutKey): Answers | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { format, key: theirs, answers } = data as Record<string, unknown>;
  if (format !== FORMAT || typeof theirs !== 'object' || theirs === null) return undefined;
  const t = theirs as Record<string, unknown>;
  if (t.bootId !== key.bootId || t.release !== key.release || t.btfSize !== key.btfSize) return undefined;
  if (typeof answers !== 'object' || answers === null || Array.isArray(answers)) return undefined;
  const u32 = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 2 ** 32;
  const valid = Object.values(answers).every(
    (a) => typeof a === 'string' || (Array.isArray(a) && a.length > 0 && a.length <= 2 && a.every(u32)),
  );
  return valid ? (answers as Answers) : undefined;
}
