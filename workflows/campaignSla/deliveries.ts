// Deliveries: the alerts and ledger rows a run sends by activities retried until they succeed. Through a webhook or
// Postgres outage one retries for as long as the outage lasts, and a run cannot continue as new while an activity
// is in flight, so its history grew the whole time (a chaos run: 12,930 events behind a 4-minute outage; a worker
// restart then replays all of it, and Temporal ends a run at 51,200). Patch hand-over-carries-deliveries: a drain
// that waited in vain cancels the deliveries still in flight, what comes back undelivered goes with the carry-over,
// and the next run sends it. Patch alerts-flow-while-draining: a drain holds new alerts only once it has cancelled
// one (a delivery stuck for a whole wait: the webhook is down): holding every alert due during a drain behind CRM
// calls sent them about 5 s late when it gave up (chaos, CRM outage: breach alert p99 5.98 s against a 2 s goal), and
// holding them while any alert delivery was in flight still did under the webhook's random 503s (2.65 s).
import { CancellationScope, patched } from '@temporalio/workflow';
import type { CampaignRun } from './run';
import { noteCommand } from './decisionTime';

/** One delivery in flight: what it carries, its scope, when it started, and whether the hand-over asked to cancel it. */
export interface Delivery {
  readonly kind: 'alerts' | 'ledger';
  readonly scope: CancellationScope;
  readonly startedAt: number;
  cancelRequested: boolean;
}

/** Asked once as the loop starts, so its marker's place never depends on the run's state. */
export function handOverCarriesDeliveries(): boolean {
  return patched('hand-over-carries-deliveries');
}

/** Asked once as the loop starts, as above. */
export function alertsFlowWhileDraining(): boolean {
  return patched('alerts-flow-while-draining');
}

/**
 * Runs `send` in a scope of its own, so a hand-over can cancel it alone. When it comes back failed after that, it was
 * not delivered (activities.ts: the cancellation waits for the server's outcome): `putBack` queues it again for the
 * carry-over, and the delivery resolves. Failures without a cancellation reach the caller as before.
 */
export function deliver(
  run: CampaignRun,
  kind: Delivery['kind'],
  send: () => Promise<void>,
  putBack: () => void,
): Promise<void> {
  const delivery: Delivery = { kind, scope: new CancellationScope(), startedAt: Date.now(), cancelRequested: false };
  run.deliveries.add(delivery);
  const delivered = delivery.scope
    .run(send)
    .catch((err: unknown) => {
      if (!delivery.cancelRequested) throw err;
      putBack();
    })
    .finally(() => run.deliveries.delete(delivery));
  // The scope calls `send` at once, and it schedules its activity.
  noteCommand(run);
  return delivered;
}

/**
 * Asks the server to cancel the deliveries in flight since before `startedBefore`; returns how many. Only those still
 * retrying: one that is completing may race the request, which the time-skipping test server refuses (ACTIVITY_UNKNOWN,
 * failing the workflow task) though the real server records it and goes on (handleCommandRequestCancelActivity).
 */
export function cancelDeliveries(run: CampaignRun, startedBefore: number): number {
  if (!run.handOver.carriesDeliveries) return 0;
  let cancelled = 0;
  for (const delivery of run.deliveries) {
    if (delivery.cancelRequested || delivery.startedAt >= startedBefore) continue;
    delivery.cancelRequested = true;
    delivery.scope.cancel();
    if (delivery.kind === 'alerts') run.handOver.alertsCancelled = true;
    cancelled++;
  }
  return cancelled;
}

/**
 * Alerts wait for the next run while a run drains and has cancelled an alert: sent into that outage, they would hold
 * the hand-over up again. Until then they go out at once; one that gets stuck is cancelled at the drain's next wait
 * (runs recorded before patch alerts-flow-while-draining held every alert while draining).
 */
export function holdsAlerts(run: CampaignRun): boolean {
  if (!run.handOver.carriesDeliveries || !run.draining || run.ended) return false;
  return !run.handOver.alertsFlowWhileDraining || run.handOver.alertsCancelled;
}
