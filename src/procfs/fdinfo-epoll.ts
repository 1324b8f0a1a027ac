/**
 * What /proc/TID/fdinfo/N says about an epoll instance and about the files that could be its targets
 * (fs/eventpoll.c `ep_show_fdinfo()`).
 *
 * An epoll fd's fdinfo has one line per registered item, in the epoll red-black tree's order:
 *
 *   tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x
 *
 * `tfd` is the fd number the target had at EPOLL_CTL_ADD — not necessarily what that number holds now.
 * The tree is ordered by (struct file address, fd number) (`ep_cmp_ffd`), so items sharing one `tfd` appear
 * in the order that KCMP_EPOLL_TFD's `toff` counts them: the n-th line with tfd T is (T, toff n). `ino` and
 * `sdev` are the target's inode number and its superblock's s_dev in the kernel's internal encoding
 * (major << 20 | minor), not stat's. The generic `ino:` line of every fdinfo (recent kernels) is the same
 * `file_inode(file)->i_ino`, so it matches a target's `ino` exactly — unlike stat's st_ino/st_dev, which a
 * filesystem's getattr may rewrite (overlayfs, btrfs subvolumes).
 *
 * Access needs ptrace READ_FSCREDS (EACCES). ENOENT: the fd is not open, or the task is gone.
 */
import { readFileSync } from 'node:fs';

export interface EpollItem {
  /** The fd number at registration time. */
  tfd: number;
  /** Index among items registered under the same `tfd`, in tree order: KCMP_EPOLL_TFD's `toff`. */
  offset: number;
  /** The registered event mask (EPOLLIN = 0x1, …; the kernel adds EPOLLERR|EPOLLHUP). */
  events: number;
  /** The user data (epoll_event.data), as hex: "0x1064". */
  data: string;
  /** The target description's offset when it was shown (unlocked, racy). */
  pos: number;
  /** The target's inode number, as decimal text (it may exceed 2^53). */
  ino: string;
  /** The target's device "major:minor". */
  dev: string;
}

const TFD_LINE =
  /^tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)\s+data:\s*([0-9a-f]+)\s+pos:\s*(-?\d+)\s+ino:\s*([0-9a-f]+)\s+sdev:\s*([0-9a-f]+)/gm;

/** The kernel's internal dev_t (include/linux/kdev_t.h: MINORBITS 20) as "major:minor". */
function kernelDev(hex: string): string {
  const dev = Number.parseInt(hex, 16);
  return `${Math.floor(dev / 2 ** 20)}:${dev % 2 ** 20}`;
}

/** The items of an epoll fdinfo text, in tree order, each with its `toff`. */
export function parseEpollItems(text: string): EpollItem[] {
  const seen = new Map<number, number>();
  const items: EpollItem[] = [];
  for (const m of text.matchAll(TFD_LINE)) {
    const tfd = Number(m[1]);
    const offset = seen.get(tfd) ?? 0;
    seen.set(tfd, offset + 1);
    items.push({
      tfd,
      offset,
      events: Number.parseInt(m[2] as string, 16),
      data: `0x${m[3]}`,
      pos: Number(m[4]),
      ino: BigInt(`0x${m[5]}`).toString(),
      dev: kernelDev(m[6] as string),
    });
  }
  return items;
}

/** Reads the items of epoll fd `epfd` of task `tid`. Throws the fs error (ENOENT, EACCES). */
export function readEpollItems(tid: number, epfd: number): EpollItem[] {
  return parseEpollItems(readFileSync(`/proc/${tid}/fdinfo/${epfd}`, 'latin1'));
}
