// Failures the workflow cannot resolve itself become critical alerts to ops instead of workflow failures.
import { log } from '@temporalio/workflow';
import { opsEscalationAlert } from '../../sla/alertWording';
import { sendAlerts } from './activities';
import type { CampaignRun } from './run';

/** An activity failure wraps the application error as its cause; that message is the one ops can act on. */
export function failureMessage(err: unknown): string {
  return err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
}

export async function raiseEscalation(run: CampaignRun, title: string, err: unknown, dedupeKey: string): Promise<void> {
  const message = failureMessage(err);
  log.error(title, { campaignId: run.campaignId, error: message });
  await sendAlerts([opsEscalationAlert(run.campaignId, title, message, dedupeKey)]);
}
