/**
 * getrlimit(2)/setrlimit(2) for RLIMIT_NOFILE, the open-file limit (7 on every architecture kcmp supports;
 * mips, sparc and alpha number it otherwise). Any process may raise its soft limit up to its hard limit;
 * raising the hard limit needs CAP_SYS_RESOURCE and stays at most fs.nr_open (EPERM beyond). struct rlimit
 * is two `unsigned long`s (rlim_cur, rlim_max); RLIM_INFINITY is all ones, which RLIMIT_NOFILE never is
 * (it cannot exceed nr_open). Returns negated errnos, never throws on one.
 */
import { endianness } from 'node:os';
import { libc } from './libc.js';

const RLIMIT_NOFILE = 7;

export interface FileLimit {
  soft: number;
  hard: number;
}

const LE = endianness() === 'LE';

function buffer(): { bytes: Uint8Array; view: DataView; wide: boolean } {
  const wide = libc().longBytes === 8;
  const bytes = new Uint8Array(wide ? 16 : 8);
  return { bytes, view: new DataView(bytes.buffer), wide };
}

/** The open-file limit, or the negated errno. */
export function sysGetFileLimit(): FileLimit | number {
  const { bytes, view, wide } = buffer();
  const r = libc().getrlimit(RLIMIT_NOFILE, bytes);
  if (r < 0) return r;
  const field = (i: number) => (wide ? Number(view.getBigUint64(i * 8, LE)) : view.getUint32(i * 4, LE));
  return { soft: field(0), hard: field(1) };
}

/** Sets the open-file limit: 0 or the negated errno (EPERM: above the hard limit without privilege). */
export function sysSetFileLimit(limit: FileLimit): number {
  const { bytes, view, wide } = buffer();
  if (wide) {
    view.setBigUint64(0, BigInt(limit.soft), LE);
    view.setBigUint64(8, BigInt(limit.hard), LE);
  } else {
    view.setUint32(0, limit.soft, LE);
    view.setUint32(4, limit.hard, LE);
  }
  return libc().setrlimit(RLIMIT_NOFILE, bytes);
}
