// Linux /proc helpers for the benchmark: our process tree, the page's renderer, its memory
// (VmRSS now, VmHWM = peak since the last reset), CPU used by others (load), machine facts.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const TICKS = 100; // USER_HZ on Linux

function readStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid = field 4, utime..cstime = fields 14-17
  return {
    ppid: Number(fields[1]),
    cpuTicks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
    ownTicks: Number(fields[11]) + Number(fields[12]),
  };
}

/** Every live process descending from `root` (default: this node process), with its cmdline. */
export function processTree(root = process.pid) {
  const all = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const pid = Number(name);
      const { ppid, cpuTicks, ownTicks } = readStat(pid);
      // Chromium rewrites its children's titles into one space-separated string: match on text.
      all.push({ pid, ppid, cpuTicks, ownTicks, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // gone
    }
  }
  const mine = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => mine.has(p.pid));
}

/** Renderer processes of the Chromium we started (not the browser UI's WebUI renderer). */
export function rendererCandidates() {
  return processTree().filter(
    (p) => / --type=renderer /.test(p.cmd) && !/ --(top-chrome-webui|extension-process) /.test(p.cmd),
  );
}

/** The pid of Chromium's browser process (the chromium child of this node process). */
export function browserPid() {
  const p = processTree().find((q) => q.ppid === process.pid && /chrom/.test(q.cmd));
  return p?.pid;
}

export function cpuTicksOf(pid) {
  try {
    return readStat(pid).ownTicks;
  } catch {
    return 0;
  }
}

/**
 * Finds the renderer that runs `page`: Chromium keeps a spare renderer besides the page's, so the
 * page spins its main thread and the renderer whose CPU time moved (clearly more than any other's)
 * is the one. Tried a few times with longer spins, for a busy machine.
 */
export async function findRenderer(page) {
  let candidates = [];
  for (const ms of [300, 600, 1200, 2400]) {
    candidates = rendererCandidates();
    if (candidates.length === 1) return { pid: candidates[0].pid, candidates: 1 };
    const before = new Map(candidates.map((c) => [c.pid, cpuTicksOf(c.pid)]));
    await page.evaluate((spin) => {
      const t = performance.now();
      while (performance.now() - t < spin);
    }, ms);
    const used = candidates.map((c) => ({ pid: c.pid, ticks: cpuTicksOf(c.pid) - before.get(c.pid) })).sort((a, b) => b.ticks - a.ticks);
    const [best, next = { ticks: 0 }] = used;
    if (best && best.ticks >= 10 && best.ticks >= 3 * next.ticks) return { pid: best.pid, candidates: candidates.length };
  }
  throw new Error(`could not tell which of ${candidates.length} renderers runs the page`);
}

/** { rss, hwm } of a process in bytes (undefined once it is gone). */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1]) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Resets the process's peak RSS (VmHWM) to its current RSS. False if the kernel refused. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function systemBusyTicks() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal = 0] = cpu; // idle and iowait are not busy
  return user + nice + system + irq + softirq + steal;
}

/**
 * Snapshot for `foreignLoad`: CPU time of the whole machine and of our process tree. Processes
 * that exit in between are counted through their parent's cutime/cstime once reaped.
 */
export function cpuSnapshot() {
  const ours = processTree().reduce((sum, p) => sum + p.cpuTicks, 0);
  return { at: performance.now(), busy: systemBusyTicks(), ours };
}

/** Average number of cores other processes kept busy between two snapshots. */
export function foreignLoad(a, b) {
  const seconds = (b.at - a.at) / 1000;
  if (seconds <= 0) return 0;
  const foreign = b.busy - a.busy - (b.ours - a.ours);
  return Math.max(0, foreign / TICKS / seconds);
}

export async function measureForeignLoad(seconds) {
  const a = cpuSnapshot();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return foreignLoad(a, cpuSnapshot());
}

export function machineInfo() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() ?? os.cpus()[0]?.model;
  const flags = cpuinfo.match(/^flags\s*:\s*(.*)$/m)?.[1]?.split(' ') ?? [];
  let osName = os.type();
  try {
    osName = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?(.*?)"?$/m)?.[1] ?? osName;
  } catch {
    // keep os.type()
  }
  return {
    cpu: model,
    cores: os.cpus().length,
    aesni: flags.includes('aes'),
    pclmulqdq: flags.includes('pclmulqdq'),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName,
    kernel: os.release(),
    node: process.version,
  };
}

export function gitDescribe(dir) {
  try {
    const commit = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}
