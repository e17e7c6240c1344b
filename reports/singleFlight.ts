// One read in flight per key: callers that ask while it runs share its outcome, and the next caller after it settles
// starts a new one. The dashboard's campaign pages (every viewer polls every 5 s) read a campaign's live state with
// one Temporal query at a time: after a worker restart, concurrent queries to a run no worker holds yet meet the
// SDK's legacy-query race (README, Known limits), and sharing an answer costs nothing.
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, read: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = read().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}
