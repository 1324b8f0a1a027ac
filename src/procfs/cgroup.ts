/**
 * The cgroup a process is in (/proc/PID/cgroup, cgroups(7)) and the systemd unit that cgroup belongs to.
 *
 * On the unified hierarchy (cgroup v2) the file has one line "0::/system.slice/nginx.service"; on v1 or a
 * hybrid, one line per hierarchy, and the name=systemd (or the v2 "0::") line is the one systemd manages.
 * The path is relative to the reader's cgroup namespace root. systemd names every cgroup it creates after
 * a unit (.service, .scope, .slice, .socket, .mount, .swap); a container runtime's cgroups are usually a
 * scope ("docker-<id>.scope", "cri-containerd-<id>.scope") under a slice.
 */
import { readFileSync } from 'node:fs';

/** The systemd-managed cgroup path of PID, or null when there is none (no cgroup file, no v2 line). */
export function readCgroupPath(pid: number): string | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'latin1');
  } catch {
    return null; // gone, or no cgroups: the caller groups it as unknown
  }
  return parseCgroupPath(text);
}

export function parseCgroupPath(text: string): string | null {
  const lines = text.split('\n');
  const line = lines.find((l) => l.startsWith('0::')) ?? lines.find((l) => /^\d+:name=systemd:/.test(l));
  return line === undefined ? null : line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
}

const UNIT = /\.(service|scope|slice|socket|mount|swap)$/;

/** The innermost systemd unit named in a cgroup path (a slice only when nothing narrower is), or null. */
export function unitOf(path: string): string | null {
  const parts = path.split('/').filter((p) => UNIT.test(p));
  return parts.reverse().find((p) => !p.endsWith('.slice')) ?? parts[0] ?? null;
}
