// Activities in flight: started by the loop or a handler, never awaited in the loop. When one settles the
// loop wakes and applies what changed, so a slow or failing outside call never holds a clock up.
import { log } from '@temporalio/workflow';
import type { CampaignRun } from './run';

/** Tracks work the loop started; its own handlers apply results and catch failures. */
export function track(run: CampaignRun, label: string, work: Promise<unknown>): void {
  run.inFlight.count++;
  work
    .catch((err: unknown) =>
      log.error('work in flight failed', { campaignId: run.campaignId, label, error: String(err) }),
    )
    .finally(() => {
      run.inFlight.count--;
      run.wake = true;
    });
}

/**
 * Nothing in flight and no alert queued: the state can be handed over (queued steps are planned again there). Under
 * patch hand-over-carries-deliveries queued alerts go with the carry-over (deliveries.ts).
 */
export function readyToHandOver(run: CampaignRun): boolean {
  return run.inFlight.count === 0 && (run.pendingAlerts.length === 0 || run.handOver.carriesDeliveries);
}

/** Nothing in flight and nothing queued: the campaign can end. */
export function idle(run: CampaignRun): boolean {
  return run.inFlight.count === 0 && run.pendingAlerts.length === 0 && run.pendingEscalations.length === 0;
}
