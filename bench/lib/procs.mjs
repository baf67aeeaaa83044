// Linux /proc readings for the benchmark: CPU used by other processes (load) and machine facts.
// Chromium's own processes (the page's renderer, its memory) are the browser harness's:
// tests/js/browser-harness.mjs.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

import { processTree } from '../../tests/js/browser-harness.mjs';

const TICKS = 100; // USER_HZ on Linux

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
