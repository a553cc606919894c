/** What a test needs to know about OS processes (Linux /proc): who descends from whom, and who is still alive. */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: with the pid, names one process even if the pid is reused. */
  startTime: string;
  name: string;
  zombie: boolean;
}

function readStat(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return {
      pid,
      name: stat.slice(stat.indexOf('(') + 1, close),
      zombie: fields[0] === 'Z',
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      startTime: fields[19] ?? '',
    };
  } catch {
    return undefined;
  }
}

export function allProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map((e) => readStat(Number(e)))
    .filter((p): p is ProcessInfo => p !== undefined);
}

/** `root` and all its descendants, plus every member of their process groups. */
export function processTree(root: number): ProcessInfo[] {
  const all = allProcesses();
  const found = new Map<number, ProcessInfo>();
  const add = (p: ProcessInfo): void => {
    if (found.has(p.pid)) return;
    found.set(p.pid, p);
    for (const child of all.filter((c) => c.ppid === p.pid)) add(child);
  };
  const top = all.find((p) => p.pid === root);
  if (top) add(top);
  const groups = new Set([...found.values()].map((p) => p.pgid));
  for (const p of all) if (groups.has(p.pgid) && p.pgid !== top?.pgid) add(p);
  return [...found.values()];
}

/** Those of `processes` still running (the same process, not a reused pid; zombies hold nothing). */
export function stillAlive(processes: readonly ProcessInfo[]): ProcessInfo[] {
  return processes.filter((p) => {
    const now = readStat(p.pid);
    return now !== undefined && now.startTime === p.startTime && !now.zombie;
  });
}
