/**
 * Which epoll instances watch a description (EPOLL.WATCHERS), exactly:
 *
 *   each epoll description ─fdinfo─▶ items (tfd, toff, ino) ─▶ descriptions of the scan with that inode
 *     ─▶ kcmp(holder, owner, KCMP_EPOLL_TFD, holder's fd, {epfd, tfd, toff}) == 0 ─▶ that one is watched
 *
 * An item's `tfd` is the number its target had at EPOLL_CTL_ADD; it may since have been closed and reused
 * by another file, so the number alone proves nothing (lsfd matches by number only). KCMP_EPOLL_TFD
 * (Linux 4.13) compares the registered file itself with a candidate fd. fdinfo's `ino` is the target's
 * i_ino, which stat's st_ino equals except where a filesystem rewrites it (overlayfs, btrfs): a target
 * there finds no candidate and is not reported — never a wrong watcher. A comparison that fails (the
 * fd is gone, kcmp refused) leaves that candidate out.
 */
import { kcmp } from '../../compare/kcmp.js';
import { SeccompKillError } from '../../errors.js';
import { readEpollItems } from '../../procfs/fdinfo-epoll.js';
import { SysError } from '../../sys/sys-error.js';
import type { PeerScan } from './fds-peers.js';

/** The epoll fd of one watcher: which description (the epoll) and which of its fds. */
export interface Watch<D> {
  epoll: D;
  slot: number;
}

export function findWatchers<D>(scan: PeerScan<D>, epolls: readonly D[]): Map<D, Watch<D>[]> {
  const watchers = new Map<D, Watch<D>[]>();
  if (epolls.length === 0) return watchers; // no index of every description to build
  // by inode as fdinfo writes it (decimal)
  const byInode = new Map<string, D[]>();
  for (const d of scan.descriptions) {
    const key = String(scan.cols.ino[scan.slots(d)[0] as number]);
    const list = byInode.get(key);
    if (list) list.push(d);
    else byInode.set(key, [d]);
  }
  for (const epoll of epolls) {
    const slot = scan.slots(epoll)[0] as number;
    const owner = scan.at(slot);
    let items: ReturnType<typeof readEpollItems>;
    try {
      items = readEpollItems(owner.tid, owner.fd);
    } catch {
      continue; // closed since the scan, or unreadable
    }
    for (const item of items) {
      const target = (byInode.get(item.ino) ?? []).find((d) => {
        const candidate = scan.at(scan.slots(d)[0] as number);
        const where = { epfd: owner.fd, targetFd: item.tfd, offset: item.offset };
        try {
          return kcmp(candidate.tid, owner.tid, 'epoll-tfd', candidate.fd, where) === 'equal';
        } catch (error) {
          // refused, gone, or not called under a killing filter: no watcher proven
          if (!(error instanceof SysError || error instanceof SeccompKillError)) throw error;
          return false;
        }
      });
      if (target === undefined) continue;
      const list = watchers.get(target) ?? [];
      if (!list.some((w) => w.epoll === epoll)) watchers.set(target, [...list, { epoll, slot }]);
    }
  }
  return watchers;
}
