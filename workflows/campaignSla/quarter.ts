// Closing a quarter. The campaign closes its own quarter when its own time zone crosses the boundary (so
// a Sydney campaign never closes on New York time); the quarterly Schedule's roll is then a confirmation.
// Only the quarter that just ended is ever closed from live state: an older one is rebuilt from the ledger
// by a backfill and never touches the running campaign.
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { complianceForState, resetCompliance } from '../../sla/campaignCompliance';
import { proposalView } from '../../sla/proposals';
import { quarterBounds, quarterOf } from '../../sla/quarter';
import { QUARTER_NOT_ENDED, QUARTER_NOT_LIVE } from '../messages';
import { writeQuarterReport } from './activities';
import type { CampaignRun } from './run';
import { ATTRIBUTED_SLA_FIGURES, withinRuleForNewFigures } from './state';

/** The instant the campaign's live quarter ends in the campaign's own time zone. */
export function liveQuarterEndsAt(run: CampaignRun): number {
  return quarterBounds(run.state.quarter, run.config().campaign.timezone).end.getTime();
}

/** Why a roll of `quarter` must be refused, or null when it may proceed (or was already done). */
export function quarterRollProblem(run: CampaignRun, quarter: string): ApplicationFailure | null {
  const { state } = run;
  if (state.closedQuarters.includes(quarter)) return null;
  const zone = run.config().campaign.timezone;
  if (quarter > state.quarter) {
    return ApplicationFailure.create({
      type: QUARTER_NOT_ENDED,
      nonRetryable: true,
      message: `quarter: ${quarter} has not started yet for this campaign (live quarter ${state.quarter})`,
    });
  }
  if (quarterOf(new Date(), zone) === quarter) {
    return ApplicationFailure.create({
      type: QUARTER_NOT_ENDED,
      nonRetryable: true,
      message: `quarter: ${quarter} has not ended yet in this campaign's time zone (${zone}); the campaign closes its quarter itself at ${new Date(liveQuarterEndsAt(run)).toISOString()}`,
    });
  }
  if (quarter < state.quarter) {
    return ApplicationFailure.create({
      type: QUARTER_NOT_LIVE,
      nonRetryable: true,
      message: `quarter: ${quarter} is not this campaign's live quarter (${state.quarter}); an older quarter's report is rebuilt from the ledger, never from live state`,
    });
  }
  return null;
}

/**
 * Closes the live quarter: its figures are captured and reset at once (no await in between, so no handler
 * sees a half-closed quarter), and the report is written by an activity the caller may wait for or not.
 * Closed lead IDs and decided proposals are kept: they belong to the campaign, not to the quarter.
 */
export function closeLiveQuarter(run: CampaignRun, final: boolean): Promise<{ inserted: boolean }> {
  const { state } = run;
  const cfg = run.config();
  const quarter = state.quarter;
  const compliance = complianceForState(state.compliance, state.book, cfg, Date.now(), run.leadConfig);
  const report = writeQuarterReport({
    campaignId: run.campaignId,
    quarter,
    final,
    at: new Date().toISOString(),
    compliance: compliance.summary,
    latestSnapshot: state.spend.latest,
    proposals: state.spend.proposals.map(proposalView),
    breachedLeads: state.breachedLeads,
  });
  state.closedQuarters.push(quarter);
  state.closedQuarters = state.closedQuarters.slice(-12);
  if (!final) {
    state.quarter = quarterOf(new Date(), cfg.campaign.timezone);
    // The new quarter's figures cover the leads started in it, as the ledger's quarter windows do.
    const quarterStart = quarterBounds(state.quarter, cfg.campaign.timezone).start.getTime();
    resetCompliance(
      state.compliance,
      cfg,
      Object.values(state.book.leads),
      patched(ATTRIBUTED_SLA_FIGURES),
      quarterStart,
      withinRuleForNewFigures(),
    );
    state.breachedLeads = 0;
    state.recentBreaches = [];
  }
  return report;
}
