/**
 * Renders the `kcmp fds` benchmark result as the markdown section of bench/README.md, and replaces that
 * section (only that one: other benchmarks own the other sections) in the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

/** The default workload keeps the section name it always had; other sizes get one each. */
export function headingOf(w) {
  if (w.procs === 5 && w.fdsPerProc === 10000 && w.shared === 4000)
    return '## Sharing map (kcmp fds) at 50,000 fds';
  return `## Sharing map (kcmp fds): ${w.procs} × ${w.fdsPerProc} fds, ${w.shared} inherited`;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const int = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => n.toFixed(0);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

/** The first line of a tool's version output that names a version (some print it on stderr). */
function versionOf(cmd, args, pattern = /version|\d+\.\d+/) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const lines = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').map((l) => l.trim());
  return lines.find((l) => pattern.test(l)) ?? `${cmd} ?`;
}

function machine() {
  return [
    `${cpus()[0]?.model ?? '?'}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `Linux ${release()}`,
    `Node ${process.version}`,
    versionOf('lsfd', ['--version']),
    `lsof ${versionOf('lsof', ['-v'], /revision:\s*\d/).replace(/.*revision:\s*/, '')}`,
    versionOf('cc', ['--version']),
  ].join('; ');
}

function summarize(samples) {
  const times = samples.map((s) => s.ms);
  const rss = samples.map((s) => s.maxrssKb / 1024);
  return {
    min: Math.min(...times),
    median: median(times),
    max: Math.max(...times),
    rss: median(rss),
    rssMax: Math.max(...rss),
    n: times.length,
  };
}

export function renderMarkdown(result, opt) {
  const { workload: w, ref, ours, checks, contenders, samples } = result;
  const stats = new Map(contenders.map((c) => [c.key, summarize(samples.get(c.key))]));
  const out = [headingOf(w), ''];
  out.push(
    'Reproduce (from the repository root; builds with `npm run build`, compiles `bench/*.c` into `bench/.build/`, starts',
    'the holder, checks the partitions, times, and rewrites this section):',
    '',
    '```sh',
    `node bench/fds.mjs --write${opt.profile ? ' --profile' : ''}${opt.rounds === '7' ? '' : ` --rounds ${opt.rounds}`}${opt['ours-extra'] ? ` --ours-extra '${opt['ours-extra']}'` : ''}` +
      `${headingOf(w) === headingOf({ procs: 5, fdsPerProc: 10000, shared: 4000 }) ? '' : ` --procs ${w.procs} --fds ${w.fdsPerProc} --shared ${w.shared}`}` +
      `${opt.engines ? ` --engines ${opt.engines}` : ''}`,
    '```',
    '',
    `Machine: ${machine()}. Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ` +
      `1-minute load average ${result.load.toFixed(2)} when timing began (other work on the machine shows up as noise).`,
    '',
    `Workload: \`fdholder -n ${w.procs} -f ${w.fdsPerProc} -s ${w.shared} -S ${w.seed}\` — ${int(ref.fds)} fds in ${w.procs} processes, ` +
      `${int(w.shared)} of each process's fds inherited across fork; dups, independent opens of /dev/null and of one ` +
      `regular file, pipes, AF_UNIX socketpairs, eventfds. ${int(ref.descriptions)} open file descriptions ` +
      `(${int(ref.shared)} held more than once) in ${int(ref.buckets)} (dev, ino) buckets, ${int(ref.kcmpBuckets)} of them needing kcmp.`,
    '',
    'Correctness (partitions compared fd by fd before timing):',
    '',
  );
  for (const c of checks)
    out.push(
      `- ${c.what} on ${int(c.fds)} fds: **${c.ok ? 'equal' : 'DIFFERENT'}**${c.ok ? '' : ` (${c.problems[0]})`}`,
    );
  if (result.oursMissing) out.push(`- \`kcmp fds\` was not available: ${result.oursMissing}`);
  out.push(
    '',
    `Wall time of the whole command (process start to exit, stdout to /dev/null), ${stats.get('c').n} interleaved rounds after ${opt.warmup} warm-up; peak RSS = the child's \`ru_maxrss\`:`,
    '',
    '| command | ms min | ms median | ms max | peak RSS MiB (median) |',
    '|---|--:|--:|--:|--:|',
  );
  for (const c of contenders) {
    const s = stats.get(c.key);
    out.push(`| ${c.label} | ${ms(s.min)} | ${ms(s.median)} | ${ms(s.max)} | ${s.rss.toFixed(1)} |`);
  }
  const variants = contenders.filter((c) => c.key.startsWith('ours-'));
  if (variants.length > 0) {
    const c = stats.get('c');
    const node = stats.get('node');
    out.push(
      '',
      '| engine | engine that ran | kcmp calls | median / C reference | median / `node -e 0` | peak RSS MiB (max) |',
      '|---|---|--:|--:|--:|--:|',
    );
    for (const v of [contenders.find((x) => x.key === 'ours'), ...variants]) {
      const s = stats.get(v.key);
      const engine = v.key === 'ours' ? 'default' : v.key.slice(5);
      const ran = v.key === 'ours' ? ours : result.engineStats[engine];
      // 'default' passes no --engine: auto, as a user runs it
      out.push(
        `| ${engine} | ${ran.engine ?? '?'} | ${int(ran.comparisons)} | ${ratio(s.median, c.median)} | ${ratio(s.median, node.median)} | ${s.rssMax.toFixed(1)} |`,
      );
    }
  }
  const o = stats.get('ours');
  if (o) {
    out.push('', '| ours / … | min | median |', '|---|--:|--:|');
    for (const key of ['c', 'cVerify', 'lsfd', 'lsfdRaw', 'lsof']) {
      const s = stats.get(key);
      const label = contenders.find((c) => c.key === key).label;
      out.push(`| ${label} | ${ratio(o.min, s.min)} | ${ratio(o.median, s.median)} |`);
    }
    const c = stats.get('c');
    const verdict = (ok) => (ok ? 'met' : '**not met**');
    out.push(
      '',
      `kcmp calls: ours ${int(ours.comparisons)}, C reference ${int(ref.comparisons)} (${int(result.refVerify.comparisons)} with ` +
        `its verify pass); comparing all pairs within the same ` +
        `buckets would take ${int(ref.pairwise)} (${int(ref.pairwise / ours.comparisons)}× more), all pairs of the selection ` +
        `${int((ref.fds * (ref.fds - 1)) / 2)}. Ours reported ${int(ours.descriptions)} descriptions, ${result.oursErrors} errors.`,
      '',
      `Budget (issue 3): must ≤ 1.5× the C reference — ${verdict(o.median <= 1.5 * c.median)} (${ratio(o.median, c.median)} median); ` +
        `aim ≤ 1.1× — ${verdict(o.median <= 1.1 * c.median)}; peak RSS ≤ 150 MB — ${verdict(o.rssMax <= (150 * 1e6) / 2 ** 20)} ` +
        `(max ${o.rssMax.toFixed(1)} MiB, ${((o.rssMax * 2 ** 20) / 1e6).toFixed(1)} MB); kcmp calls orders of magnitude below pairwise — ${verdict(ref.pairwise / ours.comparisons >= 100)}.`,
    );
  } else {
    out.push(
      '',
      `kcmp calls: C reference ${int(ref.comparisons)}; all pairs within the same buckets ${int(ref.pairwise)}.`,
    );
  }
  if (result.profile) {
    out.push(
      '',
      'Where ours spends its time (`node --cpu-prof`, one run; top self time per thread, idle left out; the',
      'native work of a koffi call counts as its JS caller, so `syscall` is kcmp itself):',
      '',
    );
    for (const p of result.profile) {
      const thread = Number(p.file.split('.')[4]); // CPU.DATE.TIME.PID.THREAD.SEQ.cpuprofile
      out.push(
        thread === 0 ? 'Main thread:' : `Worker thread ${thread}:`,
        '',
        '| function | where | ms | share |',
        '|---|---|--:|--:|',
      );
      for (const f of p.top)
        out.push(`| ${f.name} | ${f.where} | ${f.ms.toFixed(1)} | ${(100 * f.share).toFixed(1)}% |`);
      out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** Replaces (or appends) the HEADING section of README, up to the next "## " heading. */
export function writeReadmeSection(path, markdown) {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const heading = markdown.split('\n')[0];
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) {
    writeFileSync(path, `${text.trimEnd()}\n\n${markdown}`);
    return;
  }
  const next = text.indexOf('\n## ', start + heading.length);
  const rest = next < 0 ? '' : text.slice(next + 1);
  writeFileSync(path, `${text.slice(0, start)}${markdown}${rest ? `\n${rest}` : ''}`);
}
