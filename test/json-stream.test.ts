/**
 * Output written as it is produced: a reader that reads slowly holds the writer back (no output piles up
 * in memory), gets every byte in order, and one that goes away (EPIPE) ends the run quietly with the exit
 * code so far, as before the output was streamed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mkfds } from './fixture/mkfds.js';
import { CLI, runCli } from './helpers/cli.js';

const RUN_TS = pathToFileURL(
  join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'run.ts'),
).href;
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const CHUNKS = 200;
const CHUNK = 16 * 1024;

/** A child that writes CHUNKS chunks with out(), saying on stderr how many it has produced so far. */
const WRITER = `
import { out } from ${JSON.stringify(RUN_TS)};
function* chunks() {
  for (let i = 0; i < ${CHUNKS}; i++) {
    process.stderr.write(i + '\\n');
    yield String(i % 10).repeat(${CHUNK});
  }
}
await out(chunks());
`;

/** Reads a stream to its end, pausing `pause` ms after each piece. */
async function readSlowly(stream: NodeJS.ReadableStream, pause: number): Promise<string> {
  let text = '';
  for await (const piece of stream) {
    text += String(piece);
    await sleep(pause);
  }
  return text;
}

test('out() produces the next chunk only once stdout took the last one: a pipe nobody reads holds a few chunks, not the output', async () => {
  const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', WRITER], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  let produced = 0;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    produced += d.split('\n').length - 1;
  });
  const closed = once(child, 'close');
  // Nobody reads stdout: the pipe (64 KiB), our stream's buffer and Node's queue in the child fill, then
  // the child must wait. Before, it produced and queued all 200 chunks (3.2 MiB) at once.
  await sleep(1500);
  assert.ok(produced > 0 && produced < 20, `${produced} of ${CHUNKS} chunks produced while nobody read`);
  const text = await readSlowly(child.stdout.setEncoding('utf8'), 0);
  const [code] = await closed;
  assert.equal(code, 0);
  assert.equal(produced, CHUNKS);
  assert.equal(text.length, CHUNKS * CHUNK, 'every byte');
  for (let i = 0; i < CHUNKS; i++) assert.equal(text[i * CHUNK], String(i % 10), `chunk ${i} in its place`);
});

/** The report without its stats, which hold the scan's own time and call count. */
const withoutStats = (json: string) => json.replace(/"stats": ?\{[^}]*\}/, '"stats":{}');

test('kcmp fds -J into a pipe read slowly writes what it writes into a file, byte for byte', async (t) => {
  const f = await mkfds(t, 'random', ['23', '2', '1200']);
  if (!f) return;
  const args = ['fds', '-p', Object.values(f.pids).join(','), '--all', '-J'];
  for (const pretty of [[], ['--pretty']]) {
    const whole = runCli([...args, ...pretty]);
    assert.equal(whole.code, 0, whole.stderr);
    assert.ok(whole.stdout.length > 256 * 1024, `${whole.stdout.length} bytes: more than the pipe holds`);
    const child = spawn(process.execPath, [CLI, ...args, ...pretty], { stdio: ['ignore', 'pipe', 'pipe'] });
    const closed = once(child, 'close');
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    await sleep(300);
    const slow = await readSlowly(child.stdout.setEncoding('utf8'), 2);
    const [code] = await closed;
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.equal(withoutStats(slow), withoutStats(whole.stdout), `pretty: ${pretty.length > 0}`);
  }
});

test('kcmp fds -J into a pipe its reader closes (EPIPE) stops quietly with the exit code so far', async (t) => {
  const f = await mkfds(t, 'random', ['29', '2', '2000']);
  if (!f) return;
  for (const pretty of [[], ['--pretty']]) {
    const args = ['fds', '-p', Object.values(f.pids).join(','), '--all', '-J', ...pretty];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const closed = once(child, 'close');
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    assert.match(String(first), /^\{/);
    child.stdout.destroy(); // as `| head -c 1` does: the read end is closed while kcmp still writes
    const [code, signal] = await closed;
    assert.deepEqual([code, signal, stderr], [0, null, ''], `pretty: ${pretty.length > 0}`);
  }
});
