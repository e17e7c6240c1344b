// What the ledger's rows cost intake: campaigns named here get their ledger activity answered at once by an activity
// interceptor (nothing decoded, checked or sent to Postgres), so the intake measured on one of them, beside the
// intake measured as shipped, shows that cost. The workflow still encodes its rows and schedules the activity.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

const LEDGER_ACTIVITY = 'recordLeadActivity';

export class SkippedLedgerWrites {
  private readonly workflowIds = new Set<string>();

  /** From now on, the ledger writes of this workflow's runs are answered without running. */
  skipFor(workflowId: string): void {
    this.workflowIds.add(workflowId);
  }

  readonly interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute: (input, next) => (this.skips(ctx.info) ? Promise.resolve(undefined) : next(input)),
    },
  });

  private skips(info: { activityType: string; workflowExecution?: { workflowId: string } }): boolean {
    const workflowId = info.workflowExecution?.workflowId;
    return info.activityType === LEDGER_ACTIVITY && workflowId !== undefined && this.workflowIds.has(workflowId);
  }
}
