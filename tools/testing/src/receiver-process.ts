import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bindToThisProcess } from '@callbacks/infra';
import { ArrivalLog } from './arrival-log';

export type ToReceiver = { type: 'slow'; latencyMs: number; forMs: number };
export type FromReceiver =
  | { type: 'ready'; port: number }
  | { type: 'armed' }
  | { type: 'slow'; from: number; until: number }
  | { type: 'arrivals'; arrivals: [string, number][] };

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = fileURLToPath(new URL('./receiver-process-main.ts', import.meta.url));

export interface ProcessArrival {
  deliveryId: string;
  /** performance.timeOrigin + performance.now() in the receiver's process, in ms (wall clock). */
  at: number;
}

/**
 * A counting receiver in its own process (as a customer's server is): answers 200, and can be
 * told to answer slowly for a while. Arrivals (idempotency key and time) are reported here in
 * batches; `waitForDistinct` resolves when enough different deliveries came.
 */
export class ReceiverProcess extends ArrivalLog<ProcessArrival> {
  private slowPeriod: Promise<{ from: number; until: number }> | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    super();
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: FromReceiver) => {
      if (message.type === 'arrivals') this.record(message.arrivals);
    });
  }

  static async start(): Promise<ReceiverProcess> {
    const child = fork(MAIN, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    bindToThisProcess(child);
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the receiver process exited with ${code} before it was ready`)));
      child.on('message', (message: FromReceiver) => {
        if (message.type === 'ready') resolve(message.port);
      });
    });
    return new ReceiverProcess(child, port);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /**
   * From its next request on, answers each request after `latencyMs`, for `forMs`. Resolves
   * once it is set; `slowed` then resolves with that period (receiver clock, ms) when it begins.
   */
  async slowFor(latencyMs: number, forMs: number): Promise<void> {
    this.slowPeriod = new Promise((resolve) => {
      const begun = (message: FromReceiver) => {
        if (message.type !== 'slow') return;
        this.child.off('message', begun);
        resolve({ from: message.from, until: message.until });
      };
      this.child.on('message', begun);
    });
    await new Promise<void>((resolve) => {
      const armed = (message: FromReceiver) => {
        if (message.type !== 'armed') return;
        this.child.off('message', armed);
        resolve();
      };
      this.child.on('message', armed);
      this.child.send({ type: 'slow', latencyMs, forMs } satisfies ToReceiver);
    });
  }

  /** The slow period last asked for, once it has begun. */
  slowed(): Promise<{ from: number; until: number }> {
    if (!this.slowPeriod) throw new Error('slowFor was not called');
    return this.slowPeriod;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  private record(arrivals: [string, number][]): void {
    this.recordArrivals(arrivals.map(([deliveryId, at]) => ({ deliveryId, at })));
  }
}
