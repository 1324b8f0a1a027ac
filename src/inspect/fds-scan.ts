/**
 * The /proc part of an fd scan, split into slices that worker threads can share: a slice is a run of fds
 * of one fd table, and a shard is the list of slices one thread reads. Shards are cut by fd count, not by
 * process, so five processes of 10,000 fds split evenly over two workers.
 */
import { allocFdColumns, type FdColumns, scanFds } from '../procfs/fds.js';

export interface ScanSlice {
  tid: number;
  fds: Int32Array;
}

/** Reads every slice, in order, into one set of columns. */
export function scanSlices(slices: readonly ScanSlice[]): FdColumns {
  const out = allocFdColumns(slices.reduce((n, s) => n + s.fds.length, 0));
  let at = 0;
  for (const slice of slices) {
    scanFds(slice.tid, slice.fds, out, at);
    at += slice.fds.length;
  }
  return out;
}

/** Cuts the slices into `k` shards of about equal fd counts, keeping their order. */
export function shard(slices: readonly ScanSlice[], k: number): ScanSlice[][] {
  const total = slices.reduce((n, s) => n + s.fds.length, 0);
  const shards: ScanSlice[][] = Array.from({ length: k }, () => []);
  let s = 0;
  let taken = 0;
  for (const slice of slices) {
    let from = 0;
    while (from < slice.fds.length) {
      const room = Math.ceil((total * (s + 1)) / k) - taken;
      const count = s === k - 1 ? slice.fds.length - from : Math.min(room, slice.fds.length - from);
      if (count > 0) {
        (shards[s] as ScanSlice[]).push({ tid: slice.tid, fds: slice.fds.slice(from, from + count) });
        from += count;
        taken += count;
      }
      if (taken >= Math.ceil((total * (s + 1)) / k) && s < k - 1) s++;
    }
  }
  return shards;
}

/** The columns of consecutive shards, as one. */
export function concatColumns(parts: readonly FdColumns[]): FdColumns {
  const out = allocFdColumns(parts.reduce((n, p) => n + p.fd.length, 0));
  let at = 0;
  for (const part of parts) {
    out.fd.set(part.fd, at);
    out.dev.set(part.dev, at);
    out.ino.set(part.ino, at);
    out.mode.set(part.mode, at);
    out.failed.set(part.failed, at);
    for (let i = 0; i < part.fd.length; i++) out.errno[at + i] = part.errno[i] as string;
    at += part.fd.length;
  }
  return out;
}
