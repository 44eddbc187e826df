import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@callbacks/logger';
import { lineHash, type OrderedJob, OrderedJobsAbandoned, OrderedLines } from './ordered-lines';

const log = createLogger({ service: 'ordered-lines-test', level: 'silent' });

/** A publish that settles when the test says so. */
function controlled() {
  const pending: { line: string; seq: number; settle: (ok: boolean) => void }[] = [];
  const stored: Record<string, number[]> = {};
  let started: (() => void) | undefined;
  const job = (line: string, seq: number): OrderedJob => ({
    line,
    publish: () =>
      new Promise((resolve, reject) => {
        started?.();
        pending.push({
          line,
          seq,
          settle: (ok) => {
            if (!ok) return reject(new Error('publish failed'));
            (stored[line] ??= []).push(seq);
            resolve(undefined);
          },
        });
      }),
  });
  /** Resolves when the next publish starts. */
  const nextPublish = () => new Promise<void>((resolve) => (started = resolve));
  return { pending, stored, job, nextPublish };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** An ack floor the test sets, and its reads by OrderedLines to await. */
function testFloor() {
  let value = 0;
  let waiters: { left: number; resolve: () => void }[] = [];
  return {
    read: async () => {
      for (const waiter of waiters) if (--waiter.left === 0) waiter.resolve();
      waiters = waiters.filter((waiter) => waiter.left > 0);
      return value;
    },
    set(floor: number) {
      value = floor;
    },
    /** Resolves on the second read from now: by then one read of the current floor has been acted on. */
    acted: () => new Promise<void>((resolve) => waiters.push({ left: 2, resolve })),
  };
}

describe('OrderedLines', () => {
  it('publishes a line one job at a time, in event order, and other lines meanwhile', async () => {
    const { pending, stored, job } = controlled();
    const lines = new OrderedLines(async () => 0, log);
    const done = [
      lines.submit(1, [job('a', 1)]),
      lines.submit(2, [job('a', 2), job('b', 2)]),
      lines.submit(3, [job('b', 3)]),
    ];
    await tick();
    expect(pending.map((p) => `${p.line}${p.seq}`)).toEqual(['a1', 'b2']);
    pending.splice(0).forEach((p) => p.settle(true));
    await tick();
    expect(pending.map((p) => `${p.line}${p.seq}`)).toEqual(['a2', 'b3']);
    pending.splice(0).forEach((p) => p.settle(true));
    await Promise.all(done);
    expect(stored).toEqual({ a: [1, 2], b: [2, 3] });
    expect(lines.waiting).toBe(0);
  });

  it('holds a job until the ack floor says every earlier event held elsewhere is done', async () => {
    const { pending, stored, job, nextPublish } = controlled();
    const floor = testFloor();
    const lines = new OrderedLines(floor.read, log);
    // Events 1 and 2 are another instance's; this one took 3.
    const third = lines.submit(3, [job('a', 3)]);
    await floor.acted();
    expect(pending).toEqual([]);
    floor.set(1);
    await floor.acted();
    expect(pending).toEqual([]);
    floor.set(2);
    await nextPublish();
    expect(pending.length).toBe(1);
    pending[0]!.settle(true);
    await third;
    expect(stored).toEqual({ a: [3] });
  });

  it("waits for another instance's earlier events only when they have a job for the same line", async () => {
    const { pending, stored, job, nextPublish } = controlled();
    const floor = testFloor();
    const lines = new OrderedLines(floor.read, log);
    const third = lines.submit(3, [job('a', 3)]);
    const fourth = lines.submit(4, [job('b', 4)]);
    lines.heldElsewhere(1, []); // another instance's, no ordered job
    lines.heldElsewhere(2, [lineHash('a')]); // another instance's, with a job for line a
    await tick();
    expect(pending.map((p) => `${p.line}${p.seq}`)).toEqual(['b4']);
    pending.splice(0)[0]!.settle(true);
    await fourth;
    await floor.acted();
    expect(pending).toEqual([]);
    floor.set(2); // its job for line a is stored
    await nextPublish();
    expect(pending.length).toBe(1);
    pending.splice(0)[0]!.settle(true);
    await third;
    expect(stored).toEqual({ a: [3], b: [4] });
  });

  it('puts a failed event back in its place: later jobs of its line wait until it is stored', async () => {
    const { pending, stored, job } = controlled();
    const floor = testFloor();
    const lines = new OrderedLines(floor.read, log);
    const first = lines.submit(1, [job('a', 1)]);
    const second = lines.submit(2, [job('a', 2)]);
    await tick();
    pending.splice(0)[0]!.settle(false);
    await expect(first).rejects.toThrow('publish failed');
    await floor.acted();
    expect(pending).toEqual([]); // 2 waits for 1, which is no longer in hand
    const again = lines.submit(1, [job('a', 1)]); // redelivered
    await tick();
    expect(pending.map((p) => p.seq)).toEqual([1]);
    pending.splice(0)[0]!.settle(true);
    await again;
    await tick();
    // 1 is this instance's again, and stored: 2 goes on without waiting for the floor.
    expect(pending.map((p) => p.seq)).toEqual([2]);
    pending.splice(0)[0]!.settle(true);
    await second;
    expect(stored).toEqual({ a: [1, 2] });
  });

  it('gives back waiting events when abandoned, and lets the job being published finish', async () => {
    const { pending, job } = controlled();
    const lines = new OrderedLines(async () => 0, log);
    const first = lines.submit(1, [job('a', 1)]);
    const second = lines.submit(2, [job('a', 2)]);
    const elsewhere = lines.submit(5, [job('b', 5)]);
    await tick();
    lines.abandon();
    await expect(second).rejects.toBeInstanceOf(OrderedJobsAbandoned);
    await expect(elsewhere).rejects.toBeInstanceOf(OrderedJobsAbandoned);
    pending.splice(0).forEach((p) => p.settle(true));
    await expect(first).resolves.toBeUndefined();
    expect(lines.waiting).toBe(0);
  });

  it('keeps every line in event order across two instances, failures and redeliveries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.subarray(['a', 'b', 'c'], { maxLength: 2 }), { minLength: 1, maxLength: 40 }),
        fc.infiniteStream(fc.nat(1_000)),
        async (eventLines, choices) => {
          const picks = choices[Symbol.iterator]();
          const pick = (n: number) => (picks.next().value as number) % n;
          const stored: Record<string, number[]> = {};
          const acked = new Set<number>();
          let floorRead: (() => void) | undefined;
          const floor = async () => {
            floorRead?.();
            let f = 0;
            while (acked.has(f + 1)) f++;
            return f;
          };
          // Each instance tells the other what it holds; notices arrive late, or never.
          const notices: { to: number; seq: number; lines: readonly number[] }[] = [];
          const instances = [0, 1].map(
            (i) => new OrderedLines(floor, log, (seq, lines) => notices.push({ to: 1 - i, seq, lines })),
          );
          const inFlight: { line: string; seq: number; settle: (ok: boolean) => void }[] = [];
          const publish = (line: string, seq: number) =>
            new Promise<void>((resolve, reject) =>
              inFlight.push({
                line,
                seq,
                settle: (ok) => {
                  // A publish that times out may have been stored all the same.
                  const storedAnyway = !ok && pick(2) === 0;
                  if ((ok || storedAnyway) && !(stored[line] ?? []).includes(seq)) (stored[line] ??= []).push(seq);
                  if (ok) resolve();
                  else reject(new Error('publish failed'));
                },
              }),
            );
          // Each instance takes new events in stream order; handed-back ones come again to either.
          const fresh = eventLines.map((_, i) => i + 1);
          const redelivered: number[] = [];
          const deliver = (seq: number) => {
            const jobs = eventLines[seq - 1]!.map((line) => ({ line, publish: () => publish(line, seq) }));
            instances[pick(2)]!.submit(seq, jobs).then(
              () => acked.add(seq),
              () => redelivered.push(seq),
            );
          };
          try {
            for (let step = 0; acked.size < eventLines.length; step++) {
              if (step > 20_000) throw new Error(`stuck: acked ${[...acked].sort((x, y) => x - y).join(',')}`);
              const actions = [
                ...(fresh.length > 0 ? [() => deliver(fresh.shift()!)] : []),
                ...(redelivered.length > 0 ? [() => deliver(redelivered.splice(pick(redelivered.length), 1)[0]!)] : []),
                ...(notices.length > 0
                  ? [
                      () => {
                        const notice = notices.splice(pick(notices.length), 1)[0]!;
                        if (pick(8) !== 0) instances[notice.to]!.heldElsewhere(notice.seq, notice.lines);
                      },
                    ]
                  : []),
                ...(inFlight.length > 0
                  ? [() => inFlight.splice(pick(inFlight.length), 1)[0]!.settle(pick(8) !== 0)]
                  : []),
              ];
              if (actions.length === 0) {
                // Nothing to do but wait for an instance to read the floor again (or fail: stuck).
                let stuck: NodeJS.Timeout | undefined;
                await Promise.race([
                  new Promise<void>((resolve) => (floorRead = resolve)),
                  new Promise((_, reject) => {
                    stuck = setTimeout(() => reject(new Error(`stuck: acked ${acked.size}`)), 10_000);
                  }),
                ]).finally(() => clearTimeout(stuck));
              } else actions[pick(actions.length)]!();
              await tick();
            }
          } finally {
            for (const instance of instances) instance.abandon();
          }
          for (const [line, seqs] of Object.entries(stored)) {
            expect(seqs, `line ${line}`).toEqual([...seqs].sort((x, y) => x - y));
            expect(seqs).toEqual(eventLines.flatMap((ls, i) => (ls.includes(line) ? [i + 1] : [])));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
