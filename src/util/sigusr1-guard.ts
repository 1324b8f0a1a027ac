/**
 * Imported first, for its effect alone, by every program kcmp runs as a process of its own: the CLI
 * (cli/main.ts) and the children it starts (compare/probe-child.ts, inspect/freeze-watchdog.ts). Never by
 * the library: a program that imports kcmp keeps its own signal handling.
 *
 * Node's default action for SIGUSR1 opens the V8 inspector on 127.0.0.1:9229, and whoever connects to it
 * runs code in this process — as root, for a kcmp run as root. Only root (or CAP_KILL) may signal such a
 * process, but root scripts do, broadly: a log-rotation hook's `pkill -USR1 node` reaches every node.
 *
 * - A listener replaces that action: libuv installs its own handler (sigaction(2)) in place of Node's,
 *   and when the last listener is removed (--stop's handlers do, to die of a signal: cli/stopping.ts) it
 *   restores SIG_DFL, never Node's handler. From here on SIGUSR1 does nothing (or, under --stop, ends kcmp
 *   once the targets run again). Worker threads share the process's signal dispositions and cannot listen
 *   to signals at all: they need nothing of their own.
 * - Node ≥ 22.14 / 23.7 can be told not to install its handler in the first place (`--disable-sigusr1`):
 *   util/node-script.ts passes it to the children we start. Node 20 refuses the flag, and the bin's exec
 *   line (src/cli/bin.cjs) gives every Node the same flags, so the CLI itself relies on the listener.
 * - Until this module runs (Node's own start-up, some 40 ms, then the bin's reading and compiling of the
 *   bundle this module opens: src/cli/bin.cjs, a few ms) Node's handler is in place, and a SIGUSR1 then
 *   opens the inspector before any of our code runs. Such an inspector is closed here, unless the
 *   command line or NODE_OPTIONS asked for one (--inspect, --inspect-brk, --inspect-wait): at once, and
 *   again after the event loop's first turn, since the signal starts it from another thread (a semaphore
 *   posted by the handler, then an interrupt of the main thread) and it may open just after this line.
 * - An open inspector listens on a TCP socket of this process. Where the process holds no socket at all
 *   (a command's usual start), there is none to close, and node:inspector is not loaded: it loads
 *   worker_threads and some twenty internal modules, ~2–5 ms of a short command.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

process.on('SIGUSR1', () => {});

const ASKED = /^--inspect(-brk|-wait)?(=|$)/;

function inspectorAsked(): boolean {
  const options = (process.env.NODE_OPTIONS ?? '').split(/\s+/);
  return [...process.execArgv, ...options].some((option) => ASKED.test(option));
}

/** Whether this process holds a socket; true where /proc/self/fd cannot be read (it cannot tell). */
function holdsSocket(): boolean {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return true;
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // the directory's own fd, closed once read
    }
  });
}

/** Closes an inspector nobody asked for; a Node built without one (ERR_INSPECTOR_NOT_AVAILABLE) has none. */
function closeUnaskedInspector(): void {
  if (!holdsSocket()) return;
  let inspector: typeof import('node:inspector');
  try {
    inspector = createRequire(import.meta.url)('node:inspector');
  } catch {
    return;
  }
  if (inspector.url() !== undefined) inspector.close();
}

if (!inspectorAsked()) {
  closeUnaskedInspector();
  setImmediate(closeUnaskedInspector).unref();
}
