import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used, from /proc; NaN where there is none (not Linux). */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [utime, stime] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 13)
      .map(Number);
    return ((utime ?? Number.NaN) + (stime ?? Number.NaN)) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process in bytes, from /proc; NaN where there is none. */
export function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const round = (value: number) => (Number.isNaN(value) ? null : +value.toFixed(1));

/**
 * CPU time per item since the meter was made: of this process (or of `pid`, another process),
 * and of nats-server.
 */
export function cpuMeter(natsPid: number | undefined, pid?: number) {
  const own = () => {
    if (pid !== undefined) return processCpuSeconds(pid) * 1e6;
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const start = own();
  const nats = processCpuSeconds(natsPid);
  return {
    /** µs of CPU per item. */
    perItem(items: number) {
      return {
        service: round((own() - start) / items),
        nats: round(((processCpuSeconds(natsPid) - nats) * 1e6) / items),
      };
    },
  };
}
