/** Reasons carried by undecided verdicts: why a stronger method could not answer. */
import type { SysError } from '../sys/sys-error.js';
import type { ProbeResult } from './probe.js';
import type { NotCalledReason, Reason, StepReason } from './types.js';

export function reasonOf(error: SysError): Reason {
  return { syscall: error.syscall, errno: error.errno, message: error.message };
}

/** A call we did not make because the probe child was killed making it: no errno, none was returned. */
export function killedReason(syscall: string, probe: ProbeResult): NotCalledReason {
  return { syscall, errno: null, message: `${syscall} not called: ${probe.detail}` };
}

/** Several failed steps as one reason: the first step's syscall and errno, every step's message. */
export function combineReasons(reasons: readonly StepReason[]): StepReason | undefined {
  const [first] = reasons;
  if (!first) return undefined;
  return { ...first, message: reasons.map((r) => r.message).join('; ') };
}
