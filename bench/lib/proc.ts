/**
 * Process and machine observations from /proc (Linux), used to say what limits a
 * figure: CPU seconds spent per process group during a phase, and resident memory.
 * Everywhere else the functions return undefined and the report says "–".
 */
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import { MACHINE, type MemorySplit } from './limits.ts';

const TICKS_PER_SECOND = 100;

async function cpuSecondsOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Pids of every process whose command name is `name` (e.g. all Postgres backends). */
export async function pidsNamed(name: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (comm.trim() === name) pids.push(Number(entry));
  }
  return pids;
}

export interface MemoryStatus {
  rss: number;
  /** Peak resident set size since the process started. */
  hwm: number;
}

export async function memoryOf(pid: number): Promise<MemoryStatus | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!status) return undefined;
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const MAPPING_HEADER = /^[0-9a-f]+-[0-9a-f]+\s/;

/**
 * Resident memory by kind from the text of /proc/<pid>/smaps: mappings without a name
 * (or named [heap] or [anon:…]) are anonymous, mappings of a path are files, the rest
 * (stacks, vdso) other.
 */
export function splitSmaps(smaps: string): MemorySplit {
  const split: MemorySplit = { anonymous: 0, files: 0, other: 0 };
  let kind: keyof MemorySplit = 'other';
  for (const line of smaps.split('\n')) {
    if (MAPPING_HEADER.test(line)) {
      const name = line.trim().split(/\s+/).slice(5).join(' ');
      kind = name === '' || name === '[heap]' || name.startsWith('[anon') ? 'anonymous' : name.startsWith('/') ? 'files' : 'other';
    } else if (line.startsWith('Rss:')) {
      split[kind] += Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
    }
  }
  return split;
}

export async function memorySplitOf(pid: number): Promise<MemorySplit | undefined> {
  const smaps = await readFile(`/proc/${pid}/smaps`, 'utf8').catch(() => undefined);
  return smaps ? splitSmaps(smaps) : undefined;
}

/** CPU seconds every process of the machine has used, busy (not idle or waiting on I/O), from /proc/stat. */
async function machineBusySeconds(): Promise<number | undefined> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => undefined);
  const fields = stat?.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  if (!fields || fields.length < 5) return undefined;
  // user nice system idle iowait irq softirq steal …; guest time is already in user.
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return (total - fields[3] - fields[4]) / TICKS_PER_SECOND;
}

export interface CpuProbe {
  /**
   * CPU seconds used per wall-clock second since start, per group (1.0 = one full core),
   * and under MACHINE for every process on the machine.
   */
  stop(): Promise<Record<string, number | undefined>>;
}

/**
 * Starts measuring CPU use of process groups: a fixed pid, or all processes with a
 * command name (Postgres backends come and go, so they are summed over those alive at
 * both ends, plus the ones that exist at the end only).
 */
export async function startCpuProbe(groups: Record<string, number | { name: string }>): Promise<CpuProbe> {
  const snapshot = async () => {
    const result: Record<string, Map<number, number>> = {};
    for (const [label, target] of Object.entries(groups)) {
      const pids = typeof target === 'number' ? [target] : await pidsNamed(target.name);
      const map = new Map<number, number>();
      for (const pid of pids) {
        const seconds = await cpuSecondsOf(pid);
        if (seconds !== undefined) map.set(pid, seconds);
      }
      result[label] = map;
    }
    return result;
  };
  const before = await snapshot();
  const machineBefore = await machineBusySeconds();
  const started = performance.now();
  return {
    async stop() {
      const after = await snapshot();
      const machineAfter = await machineBusySeconds();
      const elapsed = (performance.now() - started) / 1000;
      const out: Record<string, number | undefined> = {};
      for (const label of Object.keys(groups)) {
        const b = before[label];
        const a = after[label];
        if (a.size === 0) {
          out[label] = undefined;
          continue;
        }
        let used = 0;
        for (const [pid, seconds] of a) used += seconds - (b.get(pid) ?? 0);
        out[label] = used / elapsed;
      }
      if (machineBefore !== undefined && machineAfter !== undefined) out[MACHINE] = (machineAfter - machineBefore) / elapsed;
      return out;
    },
  };
}

/** Samples a process's RSS every interval until stopped; returns the largest sample. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): Promise<number | undefined> } {
  let peak: number | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      const memory = await memoryOf(pid);
      if (memory && (peak === undefined || memory.rss > peak)) peak = memory.rss;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

export function machineSummary(): { cpu: string; cores: number; memory: number } {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memory: os.totalmem() };
}
