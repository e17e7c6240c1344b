// Lead clocks falling due: breaches are counted at once; their alerts, escalation steps and the ledger
// outbox are queued and delivered together.
import { log } from '@temporalio/workflow';
import { clockAlert } from '../../sla/alertWording';
import { noteBreach, noteClosedUntouched } from '../../sla/campaignCompliance';
import { collectDue, drainOutbox, outboxSize } from '../../sla/leadBook';
import { recordLeadActivity, runEscalationSteps, sendAlerts } from './activities';
import { raiseEscalation } from './escalation';
import type { CampaignRun } from './run';

const MAX_RECENT_BREACHES = 20;

export function fireDueClocks(run: CampaignRun): void {
  const { state, campaignId } = run;
  const now = Date.now();
  const effects = collectDue(state.book, run.ctx(), {
    onClosedUntouched: (lead) => noteClosedUntouched(state.compliance, lead),
    onBreach: (lead, clock) => {
      noteBreach(state.compliance, lead, clock);
      state.breachedLeads++;
      state.recentBreaches.unshift({
        leadId: lead.leadId,
        clock,
        tier: lead.tier,
        ownerId: lead.ownerId,
        at: new Date(lead.clocks[clock]?.breachedAt ?? now).toISOString(),
      });
      state.recentBreaches.length = Math.min(state.recentBreaches.length, MAX_RECENT_BREACHES);
    },
  });
  for (const effect of effects) {
    if (effect.type === 'escalation') run.pendingEscalations.push({ ...effect, at: new Date(now).toISOString() });
    else run.pendingAlerts.push(clockAlert(campaignId, effect));
  }
  if (effects.length) log.info('SLA clocks fired', { campaignId, effects: effects.length });
}

/** Delivers queued escalation steps, alerts and ledger writes concurrently. */
export async function flushEffects(run: CampaignRun): Promise<void> {
  const { state, campaignId } = run;
  const work: Promise<unknown>[] = [];
  if (run.pendingEscalations.length) {
    const steps = run.pendingEscalations.splice(0);
    work.push(
      runEscalationSteps({ campaignId, steps }).catch((err) =>
        raiseEscalation(
          run,
          `escalation steps failed for ${steps.length} lead(s)`,
          err,
          `${campaignId}:escalation:${steps[0].leadId}:${steps[0].stepIndex}`,
        ),
      ),
    );
  }
  if (run.pendingAlerts.length) work.push(sendAlerts(run.pendingAlerts.splice(0)));
  if (outboxSize(state.book) > 0) work.push(recordLeadActivity(drainOutbox(state.book)));
  await Promise.all(work);
}
