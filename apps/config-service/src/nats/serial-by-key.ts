/**
 * Runs tasks one at a time per key and concurrently across keys, in the order they were given.
 */
export class SerialByKey {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    // The next task waits for this one whether it succeeds or fails; its caller sees the failure.
    const current = previous.then(task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return current;
  }

  /** Keys with a task queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
