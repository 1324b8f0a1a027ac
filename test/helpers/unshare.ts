/** Whether the tests may build namespaces with unshare(1): root, the tool installed, and the kernel willing. */
import { spawnSync } from 'node:child_process';

/** The namespaces a container runtime gives its init: its own PID namespace and /proc (and mounts). */
export const PID_NAMESPACE = ['--pid', '--fork', '--mount-proc'] as const;

/** Why `unshare FLAGS true` cannot run here, or undefined when it can. */
export function unshareRefused(flags: readonly string[] = PID_NAMESPACE): string | undefined {
  if (process.getuid?.() !== 0) return `needs root to create namespaces (unshare ${flags.join(' ')})`;
  const r = spawnSync('unshare', [...flags, 'true'], { encoding: 'utf8' });
  if (r.error) return `unshare is not installed: ${r.error.message}`;
  if (r.status !== 0) return `unshare ${flags.join(' ')} is not permitted here: ${r.stderr.trim()}`;
  return undefined;
}
