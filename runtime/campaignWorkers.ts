// The workers one process runs for campaign-sla: the campaign worker (workflows, ledger, notifier) on the
// campaign's task queue and the integrations worker (Salesforce, Google Ads) on the queue beside it, or one
// of them (CAMPAIGN_SLA_WORKER_ROLE). Run, drained and observed as one: a failure of either stops both.
import type { State, Worker } from '@temporalio/worker';

export class CampaignWorkers {
  constructor(readonly workers: readonly Worker[]) {
    if (workers.length === 0) throw new Error('no worker to run');
  }

  /** The queues polled, campaign queue first. */
  get taskQueues(): string[] {
    return this.workers.map((worker) => worker.options.taskQueue);
  }

  /** RUNNING when every worker runs; otherwise the state of the first that does not. */
  getState(): State {
    return this.workers.map((worker) => worker.getState()).find((state) => state !== 'RUNNING') ?? 'RUNNING';
  }

  /** Runs every worker until all have stopped; the first failure shuts the others down and is thrown. */
  async run(): Promise<void> {
    const runs = this.workers.map((worker) =>
      worker.run().catch((err: unknown) => {
        this.shutdown();
        throw err;
      }),
    );
    const settled = await Promise.allSettled(runs);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Drains every running worker: in-flight tasks finish, no new ones are polled. */
  shutdown(): void {
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }

  /** Worker.runUntil over all of them: each runs until `until` settles, then all are drained. */
  runUntil<R>(until: Promise<R> | (() => Promise<R>)): Promise<R> {
    const inner = typeof until === 'function' ? until : () => until;
    return this.workers.reduceRight<() => Promise<R>>((next, worker) => () => worker.runUntil(next), inner)();
  }
}
