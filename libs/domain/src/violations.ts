/**
 * One thing wrong with an input, at a path a user can find: `callback.url`,
 * `callback.condition.rules[2].conditions[0].field.value`. Mirrors google.rpc.BadRequest.
 */
export interface Violation {
  readonly field: string;
  /** A stable UPPER_SNAKE_CASE code, e.g. `INVALID_URL`. */
  readonly reason: string;
  /** What is wrong and how to fix it, for a person. */
  readonly description: string;
}

/** Collects violations under a path prefix; `at('rules[0]')` gives a collector for a child. */
export class Violations {
  private constructor(
    private readonly prefix: string,
    private readonly list: Violation[],
  ) {}

  static root(prefix = ''): Violations {
    return new Violations(prefix, []);
  }

  at(path: string | number): Violations {
    return new Violations(joinPath(this.prefix, typeof path === 'number' ? `[${path}]` : path), this.list);
  }

  add(reason: string, description: string, path?: string | number): void {
    const field = path === undefined ? this.prefix : this.at(path).prefix;
    this.list.push({ field, reason, description });
  }

  /** Adds violations found elsewhere (e.g. by the condition compiler) under this prefix. */
  addAll(violations: readonly Violation[]): void {
    for (const v of violations) this.list.push({ ...v, field: joinPath(this.prefix, v.field) });
  }

  get all(): readonly Violation[] {
    return this.list;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}
