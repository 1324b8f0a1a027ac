/** Renders a kcmp.doctor/1 diagnosis as the text `kcmp doctor` prints. */
import type { Diagnosis } from '../compare/diagnose.js';
import type { ProbeResult } from '../compare/probe.js';
import type { EnginePolicy } from '../inspect/fds/fd-engine.js';
import { escapeCell } from './cell-text.js';

const WORDS: Readonly<Record<ProbeResult['outcome'], string>> = {
  usable: 'usable',
  enosys: 'missing (ENOSYS)',
  eperm: 'blocked by seccomp (EPERM)',
  killed: 'killed by seccomp (SIGSYS)',
  unsupported: 'not supported',
  failed: 'probe failed',
};

function probe(result: ProbeResult, usableNote = ''): string {
  if (result.outcome === 'usable') return `usable${usableNote}`;
  const errno = result.errno && result.outcome === 'unsupported' ? ` (${result.errno})` : '';
  return `${WORDS[result.outcome]}${errno}: ${result.detail}`;
}

/** "key   value" lines; values escaped as table cells are (a kernel release or a probe's detail is text
 * from outside). */
function rows(pairs: readonly (readonly [string, string])[]): string {
  const width = pairs.reduce((w, [k]) => Math.max(w, k.length), 0) + 2;
  return pairs.map(([k, v]) => `${k.padEnd(width)}${escapeCell(v)}`.trimEnd()).join('\n');
}

/** The effective set, or for a mostly-privileged process what it lacks. */
function capabilities(effective: readonly string[], missing: readonly string[]): string {
  if (effective.length === 0) return 'none';
  if (missing.length === 0) return 'all';
  return missing.length < effective.length ? `all except ${missing.join(' ')}` : effective.join(' ');
}

function pidNamespace(d: Diagnosis): string {
  const where = d.pidNamespace.initial ? 'initial' : 'nested';
  const nspid = d.nspid.length > 1 ? ` (NSpid ${d.nspid.join(' ')})` : '';
  const proc = d.pidNamespace.procMismatch ? `; ${d.pidNamespace.procMismatch}` : '';
  return `${where}${nspid}${proc}`;
}

/** "bpf from 3000 fds, kcmp below: …" or "kcmp: bpf cannot run: …". */
function engineRow(policy: EnginePolicy): string {
  if (policy.large === policy.small) return `${policy.large} (auto): ${policy.reason}`;
  return `${policy.large} or ${policy.small} (auto): ${policy.reason}`;
}

export function renderDoctor(d: Diagnosis, engine?: EnginePolicy): string {
  const caps = d.capabilities;
  const kcmpType = (result: ProbeResult): string =>
    caps.kcmp.outcome === 'usable' ? probe(result) : 'unknown while kcmp itself cannot be used';
  const fd2 =
    caps.dupfdQueryValidatesFd2 === false
      ? ' (answers 0 for an invalid second fd: unfixed 6.10/6.11, zeros are confirmed)'
      : '';
  const seccomp =
    d.seccomp.mode === 'filter'
      ? `filter (Seccomp: 2${d.seccomp.filters === null ? '' : `, ${d.seccomp.filters} filter(s)`}); the probes above ran under it`
      : d.seccomp.mode;
  const yama =
    d.yamaPtraceScope === null
      ? 'not built in (Yama never affects kcmp; it would limit --borrow)'
      : `ptrace_scope ${d.yamaPtraceScope} (affects --borrow only, never kcmp)`;
  const text = rows([
    ['kernel', `${d.kernel.release} (${d.kernel.arch})`],
    ['kcmp', probe(caps.kcmp)],
    ['  epoll-tfd', kcmpType(caps.kcmpEpollTfd)],
    ['  sysvsem', kcmpType(caps.kcmpSysvsem)],
    ['F_DUPFD_QUERY', probe(caps.dupfdQuery, fd2)],
    ['pidfd_open', probe(caps.pidfdOpen)],
    ['pidfd_getfd', probe(caps.pidfdGetfd)],
    ['seccomp', seccomp],
    [
      'user',
      `uid ${d.user.uid}${d.user.euid === d.user.uid ? '' : ` (euid ${d.user.euid})`}, gid ${d.user.gid}, ` +
        `CAP_SYS_PTRACE ${d.user.sysPtrace ? 'yes' : 'no'}${d.user.initialUserNamespace ? '' : ', in a user namespace'}`,
    ],
    ['capabilities', capabilities(d.user.capEff, d.user.capEffMissing)],
    ['pid namespace', pidNamespace(d)],
    ['yama', yama],
    ['can inspect', d.canInspect],
    ...(engine ? [['fds engine', engineRow(engine)] as const] : []),
  ]);
  const limits =
    d.limits.length === 0
      ? '\nNo limits: kcmp can compare everything listed under "can inspect".\n'
      : `\nLimits:\n${d.limits.map((l) => `  - ${l.what}\n    remedy: ${l.remedy}`).join('\n')}\n`;
  return `${text}\n${limits}`;
}
