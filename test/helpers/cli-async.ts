/** runCli without blocking the event loop, so a test can run several CLI processes at once (2 cores). */
import { spawn } from 'node:child_process';
import { type CliResult, cliCommand } from './cli.js';

export function runCliAsync(args: string[], options: { wrapper?: string[] } = {}): Promise<CliResult> {
  const argv = [...(options.wrapper ?? []), ...cliCommand(), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
