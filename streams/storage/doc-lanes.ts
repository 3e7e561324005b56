/**
 * Orders a storage connection's work per document: a task runs after every earlier task that
 * touches one of its documents, so replies for one document leave in the order the requests came
 * (a save is visible to the sync-request after it; a delete cannot overtake a save). Tasks for
 * different documents overlap, which keeps a start-up burst of requests from queueing behind one
 * slow load. A task over "all" documents (an unfiltered directory listing) waits for everything
 * before it, and everything after it waits for it.
 */
export class DocLanes {
  private readonly lanes = new Map<string, Promise<void>>();
  private barrier: Promise<void> = Promise.resolve();
  private readonly running = new Set<Promise<void>>();

  /**
   * Queues `task`; it always starts asynchronously, at least a microtask later. Its failure is
   * its own business: the lane goes on.
   */
  run(scope: readonly string[] | "all", task: () => Promise<void>): void {
    const before: Promise<void>[] = [this.barrier];
    if (scope === "all") before.push(...this.lanes.values());
    else {
      for (const docId of scope) {
        const lane = this.lanes.get(docId);
        if (lane !== undefined) before.push(lane);
      }
    }
    const done = Promise.all(before)
      .then(task)
      .catch(() => undefined);
    if (scope === "all") {
      this.barrier = done;
      this.lanes.clear();
    } else {
      for (const docId of scope) this.lanes.set(docId, done);
    }
    this.running.add(done);
    void done.then(() => {
      this.running.delete(done);
      // Forget finished lanes, or a long-lived connection would hold one entry per document.
      if (scope !== "all") {
        for (const docId of scope) if (this.lanes.get(docId) === done) this.lanes.delete(docId);
      }
    });
  }

  /** Resolves when no task is queued or running, including tasks queued while waiting. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
