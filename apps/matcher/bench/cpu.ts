import { processCpuSeconds } from '@callbacks/testing';

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
