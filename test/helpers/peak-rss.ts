/**
 * The peak resident set of a finished child, from getrusage(RUSAGE_CHILDREN).ru_maxrss (kilobytes on
 * Linux), which Node does not expose: a python3 wrapper runs the command and prints it. Undefined when
 * python3 is missing, for a test to skip saying so. The output is captured, not sent to a read-write
 * /dev/null, which kcmp takes for a closed stdout.
 */
import { spawnSync } from 'node:child_process';

const SCRIPT = [
  'import resource, subprocess, sys',
  'r = subprocess.run(sys.argv[1:], capture_output=True)',
  'print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)',
  'sys.stdout.write(r.stderr.decode())',
].join('\n');

export interface PeakRss {
  code: number;
  kilobytes: number;
  stderr: string;
}

export function peakRss(argv: readonly string[]): PeakRss | undefined {
  const r = spawnSync('python3', ['-c', SCRIPT, ...argv], { encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) return undefined;
  const [first = '', ...rest] = r.stdout.split('\n');
  const [code, kilobytes] = first.split(' ').map(Number) as [number, number];
  return { code, kilobytes, stderr: rest.join('\n') };
}
