// One long-lived workflow per campaign (entity pattern). It orchestrates only: SLA math lives in sla/,
// I/O lives in activities. One timer at a time — the earliest due clock, check, poll or expiry —
// instead of one server timer per lead.
import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import { decodeCarryOver } from '../../sla/carryOver';
import { parseCampaignConfig } from '../../sla/config';
import { nextDueAt, openLeadCount, outboxSize } from '../../sla/leadBook';
import { nextProposalExpiry } from '../../sla/proposals';
import { recordConfigVersion } from './activities';
import { fireDueClocks, flushEffects } from './clockEffects';
import {
  carryOverTooLarge,
  dueToContinue,
  MAX_CARRY_OVER_BYTES,
  nextRunInput,
  tooLargeEvenFlushed,
} from './continueAsNew';
import { pollCrmOnce } from './crmPoll';
import { registerHandlers } from './handlers';
import { handleExpiredProposals } from './proposalLifecycle';
import { publish, stalePublishDueAt } from './publish';
import { closeQuarter } from './quarter';
import { createRun, type CampaignSlaInput, type CampaignSlaResult } from './run';
import { velocityCheck } from './spendLoop';
import { initialState, type CampaignCarryOver } from './state';

const LEDGER_FLUSH_SIZE = 2_000;

export async function campaignSla(input: CampaignSlaInput): Promise<CampaignSlaResult> {
  const initialConfig = parseCampaignConfig(input.config);
  const carry = input.carryOver ? decodeCarryOver<CampaignCarryOver>(input.carryOver) : undefined;
  const run = createRun(input, initialConfig.campaign.id, carry ?? initialState(initialConfig));
  const { state } = run;
  registerHandlers(run);

  if (!carry) {
    await recordConfigVersion({
      campaignId: run.campaignId,
      configVersion: initialConfig.version,
      config: initialConfig,
      recordedAt: new Date().toISOString(),
    });
  }
  publish(run, true);

  for (;;) {
    const now = Date.now();
    const cfg = run.config();
    const afterWindow = now >= run.windowEnd();
    const candidates = [
      nextDueAt(state.book),
      cfg.campaign.crm.pollEvery > 0 ? state.nextCrmPollAt : undefined,
      afterWindow ? undefined : Math.max(state.spend.nextCheckAt, run.windowStart()),
      nextProposalExpiry(state.spend.proposals),
      afterWindow ? undefined : run.windowEnd(),
      stalePublishDueAt(run),
    ].filter((t): t is number => t !== undefined);
    const wakeAt = Math.min(...candidates);
    run.wake = false;
    if (wakeAt > now) {
      await condition(() => run.wake, wakeAt - now, { summary: `next SLA deadline ${new Date(wakeAt).toISOString()}` });
    }
    const t = Date.now();
    fireDueClocks(run);
    if (cfg.campaign.crm.pollEvery > 0 && t >= state.nextCrmPollAt) await pollCrmOnce(run);
    fireDueClocks(run);
    await handleExpiredProposals(run);
    if (!afterWindow && t >= run.windowStart() && t >= state.spend.nextCheckAt) await velocityCheck(run);
    if (
      outboxSize(state.book) >= LEDGER_FLUSH_SIZE ||
      run.pendingEscalations.length ||
      run.pendingAlerts.length ||
      outboxSize(state.book) > 0
    ) {
      await flushEffects(run);
    }
    publish(run);

    if (t >= run.windowEnd() && openLeadCount(state.book) === 0) break;
    if (t >= run.windowEnd() + cfg.responseSla.followUp.within) break;

    if (dueToContinue(run)) {
      await condition(allHandlersFinished);
      await flushEffects(run);
      // Updates accepted during the flush finish first; their ledger writes travel in the carried outbox.
      await condition(allHandlersFinished);
      const { next, bytes } = nextRunInput(run);
      if (bytes <= MAX_CARRY_OVER_BYTES) await continueAsNew<typeof campaignSla>(next);
      // Too large. If unflushed ledger writes made the difference, the next iteration flushes them and tries
      // again; otherwise keep running this run and try again only once fewer leads are open.
      if (tooLargeEvenFlushed(run, bytes)) await carryOverTooLarge(run, bytes);
    }
  }

  run.ended = true;
  await condition(allHandlersFinished);
  await flushEffects(run);
  if (!state.closedQuarters.includes(state.quarter)) await closeQuarter(run, state.quarter, true);
  publish(run, true);
  return {
    campaignId: run.campaignId,
    endedAt: new Date().toISOString(),
    breachedLeads: state.breachedLeads,
    closedQuarters: state.closedQuarters,
  };
}
