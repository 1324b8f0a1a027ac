/** Starts `kcmp exporter` on loopback (an ephemeral port), scrapes it, and stops it when the test ends. */
import { type ChildProcess, spawn } from 'node:child_process';
import { CLI } from './cli.js';

export interface RunningExporter {
  child: ChildProcess;
  port: number;
  stderr(): string;
  scrape(accept?: string): Promise<{ status: number; type: string; body: string }>;
  /** One sample's value ("name{labels}" exactly as exposed), or undefined. */
  value(name: string): Promise<number | undefined>;
  stop(): Promise<{ code: number | null; ms: number }>;
}

interface AfterContext {
  after(fn: () => unknown): void;
}

/** Resolves `probe()`'s first non-undefined answer, polling; rejects at the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 20_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function sampleValue(body: string, name: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

export async function startExporter(t: AfterContext, args: string[]): Promise<RunningExporter> {
  const child = spawn(process.execPath, [CLI, 'exporter', '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume(); // it prints nothing there; a closed stdout would be refused
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  const port = await waitFor('the exporter to listen', async () => {
    if (child.exitCode !== null) throw new Error(`exporter exited ${child.exitCode}: ${stderr}`);
    const m = /listening on https?:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr);
    return m ? Number(m[1]) : undefined;
  });
  const scrape = async (accept?: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, accept ? { headers: { accept } } : {});
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  };
  return {
    child,
    port,
    stderr: () => stderr,
    scrape,
    async value(name) {
      const r = await scrape();
      return r.status === 200 ? sampleValue(r.body, name) : undefined;
    },
    async stop() {
      const started = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}
