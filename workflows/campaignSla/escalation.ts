// Failures the workflow cannot resolve itself become critical alerts to ops instead of workflow failures.
import { log } from '@temporalio/workflow';
import { opsEscalationAlert } from '../../sla/alertWording';
import type { CampaignRun } from './run';

/** An activity failure wraps the application error as its cause; that message is the one ops can act on. */
export function failureMessage(err: unknown): string {
  return err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
}

/** Queues a critical alert to ops; the loop delivers it without waiting. */
export function raiseEscalation(run: CampaignRun, title: string, err: unknown, dedupeKey: string): void {
  const message = failureMessage(err);
  log.error(title, { campaignId: run.campaignId, error: message });
  run.pendingAlerts.push(opsEscalationAlert(run.campaignId, title, message, dedupeKey));
  run.wake = true;
}
