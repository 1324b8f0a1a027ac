/** `kcmp doctor [-J]`: what kcmp can compare here, what blocks it, and what to do about each limit. */
import type { Command } from 'commander';
import { type Diagnosis, DOCTOR_SCHEMA, diagnose } from '../compare/diagnose.js';
import { type EnginePolicy, enginePolicy } from '../inspect/fds/fd-engine.js';
import { renderDoctor } from '../report/doctor.js';
import { EXIT } from './exit-codes.js';
import { type JsonFlags, outJson, prettyOption } from './json-output.js';
import { action, out } from './run.js';

/** The `kcmp.doctor/1` document `kcmp doctor --json` prints: the diagnosis, and which engine `kcmp fds`
 * would use here and why. */
export interface DoctorReport extends Diagnosis {
  /** The identity engine `kcmp fds` picks here, for small and large scans, and why. */
  fdsEngine: EnginePolicy;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .summary('check what kcmp can compare here (kernel, seccomp, capabilities) and how to fix each limit')
    .description(
      'Probe (under a seccomp filter in a short-lived child process, so a filter that kills cannot kill kcmp itself) ' +
        'whether kcmp(2) exists and is allowed, and likewise F_DUPFD_QUERY, pidfd_open and pidfd_getfd; ' +
        'which identity engine `kcmp fds` runs here (auto: bpf or kcmp) and why; ' +
        'then report the seccomp mode, effective capabilities, namespaces and Yama, whose processes can be ' +
        'inspected, and a remedy for every limit found. Exit 0 unless the check itself fails.',
    )
    .option('-J, --json', `print a ${DOCTOR_SCHEMA} JSON document`)
    .addOption(prettyOption())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  kcmp doctor                 the report, with a remedy under every limit\n' +
        '  kcmp doctor --json | jq .capabilities.kcmp.outcome     "usable", "eperm", "enosys" or "killed"\n' +
        '  docker run --rm -it IMAGE npx kcmp doctor              explains a blocked kcmp in a container',
    )
    .action(
      action((flags: JsonFlags) => {
        const diagnosis = diagnose();
        const fdsEngine = enginePolicy(process.env.KCMP_BTF || undefined);
        const report: DoctorReport = { ...diagnosis, fdsEngine };
        if (flags.json) outJson(report, flags);
        else out(renderDoctor(diagnosis, fdsEngine));
        return EXIT.OK;
      }),
    );
}
