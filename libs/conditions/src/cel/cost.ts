import { isCelList, isCelMap } from '@bufbuild/cel';

/**
 * The cost meter of CEL evaluation. `@bufbuild/cel` has no cost limit of its own, so every
 * function the expressions can call, and every loop iteration of a macro (`all`, `exists`,
 * `map`, `filter`, ...), charges the meter through the functions in `functions.ts`; when the
 * budget is spent, the next charge throws, which the library turns into an evaluation error, and
 * the evaluator reports the expression as false.
 *
 * One meter for the process is enough because evaluation is synchronous: `start` is called right
 * before an expression is evaluated and nothing else runs until it returns.
 */
export class CostMeter {
  private remaining = 0;
  private spent = false;

  start(budget: number): void {
    this.remaining = budget;
    this.spent = false;
  }

  /** Whether the last evaluation ran out of budget (its result must then be ignored). */
  get exhausted(): boolean {
    return this.spent;
  }

  charge(units: number): void {
    this.remaining -= units;
    if (this.remaining < 0) {
      this.spent = true;
      throw new CostLimitExceededError();
    }
  }

  /** For loop conditions: false (stop the loop) instead of an error once the budget is spent. */
  tryCharge(units: number): boolean {
    this.remaining -= units;
    if (this.remaining < 0) this.spent = true;
    return !this.spent;
  }
}

export class CostLimitExceededError extends Error {
  override readonly name = 'CostLimitExceededError';
  constructor() {
    super('the expression is too expensive to evaluate for this event (cost limit exceeded)');
  }
}

export const meter = new CostMeter();

/**
 * What handing a value to a function costs, on top of one unit for the call: its elements for a
 * list or map, a unit per 64 characters for a string or per 64 bytes for bytes. So work that grows
 * with the values (concatenation, `contains`, `in`, equality of lists) is paid for.
 */
export function sizeCost(value: unknown): number {
  if (typeof value === 'string') return value.length >>> 6;
  if (typeof value !== 'object' || value === null) return 0;
  if (value instanceof Uint8Array) return value.length >>> 6;
  if (isCelList(value) || isCelMap(value)) return value.size;
  return 0;
}
